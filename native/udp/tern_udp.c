/*
 * tern-rtc's optional batched UDP sockets (Node-API, Linux).
 *
 * Node's dgram hands each datagram to JS on its own (one recvmsg, one
 * callback, one Buffer) and takes each send through its argument checks, an
 * address lookup and one sendmsg. For a media plane carrying tens of
 * thousands of datagrams per second that per-datagram overhead is most of
 * the cost. Here one readable event drains the socket with recvmmsg and
 * hands JS every datagram of a batch in one call (one Buffer holding them
 * all, lengths and sources in a shared metadata table), and the datagrams
 * queued during one turn of the event loop leave with one sendmmsg.
 *
 * The socket is polled on Node's own libuv loop (uv_poll), so callbacks run
 * on the JS thread like any other I/O. Everything from the network is copied
 * out of the receive slots before JS sees it; every length and offset JS
 * passes in is checked again here (RangeError/TypeError, never a memory
 * fault).
 *
 * Built by scripts/build-native.mjs; loaded by src/transport/native/udp-binding.ts.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Requested SO_RCVBUF / SO_SNDBUF (bytes); the kernel caps it at net.core.{r,w}mem_max. */
#define TERN_UDP_SOCKBUF (2 * 1024 * 1024)

/* Datagrams per recvmmsg / sendmmsg call. */
#define BATCH 64
/* Receive slot: the largest UDP payload fits, so nothing is truncated. */
#define SLOT 65536
/* recvmmsg calls per readable event, so one busy socket cannot starve the others. */
#define RECV_ROUNDS 4
/*
 * One metadata row per datagram, shared with JS (little-endian):
 * [0..3] length, [4] family (4 or 6), [5] unused, [6..7] port, [8..23] address.
 */
#define META 24

typedef struct Sock Sock;

typedef struct {
  unsigned char *slots; /* BATCH * SLOT, allocated on first receive */
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  struct sockaddr_storage addrs[BATCH];
  unsigned char *meta; /* BATCH * META, the JS-visible receive table */
  napi_ref meta_ref;
  Sock *open; /* open sockets, closed at environment teardown */
} Instance;

struct Sock {
  uv_poll_t poll;
  int fd;
  int events;
  int closing;    /* close() called: no more callbacks into JS */
  int uv_closed;  /* the poll handle is closed and fd released */
  int finalized;  /* the JS external is gone */
  napi_env env;
  Instance *inst;
  napi_ref self_ref; /* keeps the external alive while open */
  napi_ref on_recv;  /* (data: Buffer, count: number) => void */
  napi_ref on_writable;
  napi_async_context async;
  Sock *next;
  Sock *prev;
  double truncated;
  double recv_errors;
  double send_errors;
};

/* ---- helpers ---- */

static int throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  const char *code = NULL;
  switch (err) {
    case EADDRINUSE: code = "EADDRINUSE"; break;
    case EADDRNOTAVAIL: code = "EADDRNOTAVAIL"; break;
    case EACCES: code = "EACCES"; break;
    case EAFNOSUPPORT: code = "EAFNOSUPPORT"; break;
    case EINVAL: code = "EINVAL"; break;
    default: code = "ERR_NET"; break;
  }
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, msg);
  return 0;
}

/* The socket behind a handle, open or closed; throws a TypeError for anything else. */
static Sock *get_handle(napi_env env, napi_value v) {
  void *data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, "expected a native UDP socket handle");
    return NULL;
  }
  return data;
}

/* An open socket behind a handle; throws for a closed one too. */
static Sock *get_sock(napi_env env, napi_value v) {
  Sock *s = get_handle(env, v);
  if (!s) return NULL;
  if (s->closing) {
    napi_throw_error(env, "ERR_NET_CLOSED", "native UDP socket is closed");
    return NULL;
  }
  return s;
}

static int get_bytes(napi_env env, napi_value v, unsigned char **data, size_t *len, const char *name) {
  bool is = false;
  napi_typedarray_type type;
  void *p;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a Uint8Array", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *data = p;
  return 1;
}

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- lifecycle ---- */

static void sock_unlink(Sock *s) {
  if (s->prev) s->prev->next = s->next;
  else if (s->inst && s->inst->open == s) s->inst->open = s->next;
  if (s->next) s->next->prev = s->prev;
  s->next = s->prev = NULL;
}

static void on_uv_closed(uv_handle_t *h) {
  Sock *s = h->data;
  /* Linux releases the descriptor even when close() reports EINTR or EIO: there is nothing to retry. */
  if (s->fd >= 0 && close(s->fd) != 0) s->recv_errors++;
  s->fd = -1;
  s->uv_closed = 1;
  if (s->finalized) free(s);
}

static void sock_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Sock *s = data;
  s->finalized = 1;
  if (s->uv_closed) free(s);
}

/* Stops polling and releases the JS references; the fd closes once libuv lets go of it. */
static void sock_close(Sock *s, int with_js) {
  if (s->closing) return;
  s->closing = 1;
  sock_unlink(s);
  /* Failures here leave nothing to undo: the handle is closed right after and the references die with the environment. */
  if (uv_poll_stop(&s->poll) != 0) s->recv_errors++;
  if (with_js) {
    if (s->on_recv && napi_delete_reference(s->env, s->on_recv) != napi_ok) s->recv_errors++;
    if (s->on_writable && napi_delete_reference(s->env, s->on_writable) != napi_ok) s->recv_errors++;
    if (s->async && napi_async_destroy(s->env, s->async) != napi_ok) s->recv_errors++;
  }
  s->on_recv = s->on_writable = NULL;
  s->async = NULL;
  uv_close((uv_handle_t *)&s->poll, on_uv_closed);
  if (with_js && s->self_ref && napi_delete_reference(s->env, s->self_ref) != napi_ok) s->recv_errors++;
  s->self_ref = NULL;
}

static void set_events(Sock *s, int events);

/* ---- receive ---- */

static void call_js(Sock *s, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value fn, recv, ignored;
  if (!fn_ref || napi_get_reference_value(env, fn_ref, &fn) != napi_ok || !fn) return;
  if (napi_get_global(env, &recv) != napi_ok) return; /* MakeCallback needs an object receiver */
  if (napi_make_callback(env, s->async, recv, fn, argc, argv, &ignored) != napi_ok) {
    /* The JS side contains its handlers' errors; anything left is reported like an uncaught error. */
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
    napi_value err;
    if (napi_get_and_clear_last_exception(env, &err) != napi_ok || napi_fatal_exception(env, err) != napi_ok) s->recv_errors++;
  }
}

static void read_batches(Sock *s) {
  Instance *in = s->inst;
  napi_env env = s->env;
  if (!in->slots) {
    in->slots = malloc((size_t)BATCH * SLOT);
    if (!in->slots) {
      s->recv_errors++;
      return;
    }
  }
  for (int round = 0; round < RECV_ROUNDS && !s->closing; round++) {
    for (int i = 0; i < BATCH; i++) {
      in->iovs[i].iov_base = in->slots + (size_t)i * SLOT;
      in->iovs[i].iov_len = SLOT;
      memset(&in->msgs[i].msg_hdr, 0, sizeof in->msgs[i].msg_hdr);
      in->msgs[i].msg_hdr.msg_name = &in->addrs[i];
      in->msgs[i].msg_hdr.msg_namelen = sizeof in->addrs[i];
      in->msgs[i].msg_hdr.msg_iov = &in->iovs[i];
      in->msgs[i].msg_hdr.msg_iovlen = 1;
      in->msgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, in->msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) s->recv_errors++;
      return;
    }
    if (n == 0) return;
    size_t total = 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (in->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
      total += in->msgs[i].msg_len;
    }
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    void *dst = NULL;
    napi_value buf;
    if (napi_create_buffer(env, total, &dst, &buf) != napi_ok) {
      s->recv_errors++;
      if (napi_close_handle_scope(env, scope) != napi_ok) s->recv_errors++;
      return;
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
      struct msghdr *h = &in->msgs[i].msg_hdr;
      if (h->msg_flags & MSG_TRUNC) {
        s->truncated++;
        continue;
      }
      unsigned char *row = in->meta + (size_t)count * META;
      memset(row, 0, META);
      size_t len = in->msgs[i].msg_len;
      if (len) memcpy((unsigned char *)dst + off, in->iovs[i].iov_base, len);
      off += len;
      put_u32(row, (uint32_t)len);
      if (in->addrs[i].ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&in->addrs[i];
        uint16_t port = ntohs(a->sin_port);
        row[4] = 4;
        row[6] = port & 0xff;
        row[7] = port >> 8;
        memcpy(row + 8, &a->sin_addr, 4);
      } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&in->addrs[i];
        uint16_t port = ntohs(a->sin6_port);
        row[4] = 6;
        row[6] = port & 0xff;
        row[7] = port >> 8;
        memcpy(row + 8, &a->sin6_addr, 16);
      }
      count++;
    }
    if (count > 0) {
      napi_value argv[2];
      argv[0] = buf;
      if (napi_create_int32(env, count, &argv[1]) == napi_ok) call_js(s, s->on_recv, 2, argv);
      else s->recv_errors++;
    }
    if (napi_close_handle_scope(env, scope) != napi_ok) s->recv_errors++;
    if (n < BATCH) return;
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  Sock *s = p->data;
  if (s->closing) return;
  if (status < 0) {
    /* The descriptor itself failed (not a datagram): stop polling rather than spin on it. */
    s->recv_errors++;
    if (uv_poll_stop(&s->poll) != 0) s->recv_errors++;
    s->events = 0;
    return;
  }
  if (events & UV_WRITABLE) {
    set_events(s, UV_READABLE);
    napi_handle_scope scope;
    if (napi_open_handle_scope(s->env, &scope) == napi_ok) {
      call_js(s, s->on_writable, 0, NULL);
      if (napi_close_handle_scope(s->env, scope) != napi_ok) s->recv_errors++;
    }
  }
  if ((events & UV_READABLE) && !s->closing) read_batches(s);
}

static void set_events(Sock *s, int events) {
  if (s->closing || s->events == events) return;
  if (uv_poll_start(&s->poll, events, on_poll) != 0) {
    /* Not polled: counted, and the next set_events call tries again. */
    s->recv_errors++;
    s->events = 0;
    return;
  }
  s->events = events;
}

/* ---- exported functions ---- */

/* open(family: 4 | 6, address: string, port: number, onRecv, onWritable) => [handle, port] */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  Instance *in = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || napi_get_instance_data(env, (void **)&in) != napi_ok || !in) {
    napi_throw_error(env, NULL, "tern_udp: no call info or module instance");
    return NULL;
  }
  int32_t family = 0;
  uint32_t port = 0;
  char addr[INET6_ADDRSTRLEN + 1];
  size_t addr_len = 0;
  napi_valuetype t3, t4;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &family) != napi_ok || (family != 4 && family != 6) ||
      napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &addr_len) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok || port > 65535 || napi_typeof(env, argv[3], &t3) != napi_ok ||
      t3 != napi_function || napi_typeof(env, argv[4], &t4) != napi_ok || t4 != napi_function) {
    napi_throw_type_error(env, NULL, "open(family 4|6, address, port, onRecv, onWritable)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t ss_len;
  memset(&ss, 0, sizeof ss);
  if (family == 4) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) {
      napi_throw_type_error(env, "EINVAL", "not an IPv4 address");
      return NULL;
    }
    ss_len = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) {
      napi_throw_type_error(env, "EINVAL", "not an IPv6 address");
      return NULL;
    }
    ss_len = sizeof *a;
  }
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "socket", errno);
    return NULL;
  }
  if (family == 6) {
    int one = 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
      int e = errno;
      if (close(fd) != 0) { /* the descriptor is released anyway */ }
      throw_errno(env, "setsockopt IPV6_V6ONLY", e);
      return NULL;
    }
  }
  {
    /* Ask for larger socket buffers: a WebRTC flow (SCTP bursts, video frames) arrives faster than
     * one event-loop turn reads it, and the default ~208 KiB holds fewer than a hundred datagrams.
     * Best effort and bounded: the kernel caps the request at net.core.rmem_max / wmem_max. */
    int want = TERN_UDP_SOCKBUF;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want) != 0) { /* keep the default */ }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want) != 0) { /* keep the default */ }
  }
  if (bind(fd, (struct sockaddr *)&ss, ss_len) != 0) {
    int e = errno;
    if (close(fd) != 0) { /* the descriptor is released anyway */ }
    char what[96];
    snprintf(what, sizeof what, "bind udp %s:%u", addr, port);
    throw_errno(env, what, e);
    return NULL;
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
    int e = errno;
    if (close(fd) != 0) { /* the descriptor is released anyway */ }
    throw_errno(env, "getsockname", e);
    return NULL;
  }
  uint16_t bound_port = family == 4 ? ntohs(((struct sockaddr_in *)&bound)->sin_port) : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);

  Sock *s = calloc(1, sizeof *s);
  uv_loop_t *loop = NULL;
  if (!s || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &s->poll, fd) != 0) {
    if (close(fd) != 0) { /* the descriptor is released anyway */ }
    free(s);
    napi_throw_error(env, "ERR_NET", "cannot poll the UDP socket");
    return NULL;
  }
  s->poll.data = s;
  s->fd = fd;
  s->env = env;
  s->inst = in;
  napi_value resource, name, handle = NULL;
  int ok = napi_create_reference(env, argv[3], 1, &s->on_recv) == napi_ok && napi_create_reference(env, argv[4], 1, &s->on_writable) == napi_ok &&
           napi_create_object(env, &resource) == napi_ok && napi_create_string_utf8(env, "tern:udp", NAPI_AUTO_LENGTH, &name) == napi_ok &&
           napi_async_init(env, resource, name, &s->async) == napi_ok;
  if (ok && napi_create_external(env, s, sock_finalize, NULL, &handle) != napi_ok) {
    handle = NULL;
    ok = 0;
  }
  if (!ok) {
    /* No external owns the socket: freed when libuv has closed the handle. */
    s->finalized = 1;
    sock_close(s, 1);
    napi_throw_error(env, "ERR_NET", "tern_udp: cannot set up the socket's JS side");
    return NULL;
  }
  if (napi_create_reference(env, handle, 1, &s->self_ref) != napi_ok) {
    sock_close(s, 1); /* the external's finalizer frees it */
    napi_throw_error(env, "ERR_NET", "tern_udp: cannot set up the socket's JS side");
    return NULL;
  }
  s->next = in->open;
  if (in->open) in->open->prev = s;
  in->open = s;
  set_events(s, UV_READABLE);

  napi_value result, port_value;
  if (napi_create_array_with_length(env, 2, &result) != napi_ok || napi_create_uint32(env, bound_port, &port_value) != napi_ok ||
      napi_set_element(env, result, 0, handle) != napi_ok || napi_set_element(env, result, 1, port_value) != napi_ok) {
    sock_close(s, 1);
    return NULL;
  }
  return result;
}

/*
 * send(handle, data: Uint8Array, meta: Uint8Array, count) => consumed
 * The count datagrams lie back to back in data, each described by a META row
 * (length, family, port, address). Returns how many were consumed: sent, or
 * dropped because the system refused them (counted). Fewer than count means
 * the socket buffer is full: the socket then calls onWritable once it drains.
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_type_error(env, NULL, "send(handle, data, meta, count)");
    return NULL;
  }
  Sock *s = get_sock(env, argv[0]);
  if (!s) return NULL;
  unsigned char *data, *meta;
  size_t data_len, meta_len;
  uint32_t count;
  if (!get_bytes(env, argv[1], &data, &data_len, "data") || !get_bytes(env, argv[2], &meta, &meta_len, "meta")) return NULL;
  if (napi_get_value_uint32(env, argv[3], &count) != napi_ok || (size_t)count * META > meta_len) {
    napi_throw_range_error(env, NULL, "count exceeds the metadata table");
    return NULL;
  }
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  struct sockaddr_storage addrs[BATCH];
  size_t off = 0;
  uint32_t consumed = 0;
  while (consumed < count) {
    /* Describe up to BATCH datagrams starting at `consumed`. */
    uint32_t k = 0;
    size_t scan = off;
    while (k < BATCH && consumed + k < count) {
      const unsigned char *row = meta + (size_t)(consumed + k) * META;
      uint32_t len = get_u32(row);
      if (len > data_len || scan > data_len - len) {
        napi_throw_range_error(env, NULL, "datagram lengths exceed the data");
        return NULL;
      }
      memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
      memset(&addrs[k], 0, sizeof addrs[k]);
      uint16_t port = (uint16_t)(row[6] | (row[7] << 8));
      socklen_t alen;
      if (row[4] == 4) {
        struct sockaddr_in *a = (struct sockaddr_in *)&addrs[k];
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        memcpy(&a->sin_addr, row + 8, 4);
        alen = sizeof *a;
      } else if (row[4] == 6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addrs[k];
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        memcpy(&a->sin6_addr, row + 8, 16);
        alen = sizeof *a;
      } else {
        napi_throw_range_error(env, NULL, "metadata family must be 4 or 6");
        return NULL;
      }
      iovs[k].iov_base = data + scan;
      iovs[k].iov_len = len;
      msgs[k].msg_hdr.msg_name = &addrs[k];
      msgs[k].msg_hdr.msg_namelen = alen;
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      scan += len;
      k++;
    }
    int r = sendmmsg(s->fd, msgs, k, 0);
    if (r > 0) {
      for (int i = 0; i < r; i++) off += iovs[i].iov_len;
      consumed += (uint32_t)r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      set_events(s, UV_READABLE | UV_WRITABLE);
      break;
    }
    /* The first datagram was refused (unreachable, bad address, no kernel buffers...): drop it, count it, go on. */
    s->send_errors++;
    off += iovs[0].iov_len;
    consumed++;
  }
  napi_value result;
  if (napi_create_uint32(env, consumed, &result) != napi_ok) return NULL;
  return result;
}

/* close(handle): stops receiving at once and releases the socket. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "close(handle)");
    return NULL;
  }
  Sock *s = get_handle(env, argv[0]);
  if (s) sock_close(s, 1); /* closing twice is a no-op */
  return NULL;
}

/* stats(handle) => [truncated, receiveErrors, sendErrors] */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "stats(handle)");
    return NULL;
  }
  Sock *s = get_sock(env, argv[0]);
  if (!s) return NULL;
  napi_value result, v;
  if (napi_create_array_with_length(env, 3, &result) != napi_ok) return NULL;
  double values[3] = {s->truncated, s->recv_errors, s->send_errors};
  for (uint32_t i = 0; i < 3; i++) {
    if (napi_create_double(env, values[i], &v) != napi_ok || napi_set_element(env, result, i, v) != napi_ok) return NULL;
  }
  return result;
}

/* openCount() => sockets of this thread not yet closed (for leak checks). */
static napi_value js_open_count(napi_env env, napi_callback_info info) {
  (void)info;
  Instance *in = NULL;
  if (napi_get_instance_data(env, (void **)&in) != napi_ok) return NULL;
  uint32_t n = 0;
  for (Sock *s = in ? in->open : NULL; s; s = s->next) n++;
  napi_value v;
  if (napi_create_uint32(env, n, &v) != napi_ok) return NULL;
  return v;
}

/* The receive metadata table (BATCH rows of META bytes), valid during an onRecv call. */
static napi_value js_meta(napi_env env, napi_callback_info info) {
  (void)info;
  Instance *in = NULL;
  napi_value v;
  if (napi_get_instance_data(env, (void **)&in) != napi_ok || !in || napi_get_reference_value(env, in->meta_ref, &v) != napi_ok) return NULL;
  return v;
}

static void instance_cleanup(void *arg) {
  Instance *in = arg;
  while (in->open) sock_close(in->open, 0);
}

static void instance_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Instance *in = data;
  free(in->slots);
  free(in);
}

/*
 * A worker thread's environment unloads its addons when it ends, but libuv
 * runs the close callbacks of handles closed at teardown after that: the
 * module keeps itself loaded so those callbacks still have code to run.
 */
static void pin_module(void) {
  static int pinned = 0;
  Dl_info info;
  if (pinned || !dladdr((void *)&pin_module, &info) || !info.dli_fname) return;
  if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE)) pinned = 1;
}

NAPI_MODULE_INIT() {
  pin_module();
  Instance *in = calloc(1, sizeof *in);
  if (!in) return NULL;
  napi_value meta;
  void *meta_data;
  if (napi_create_buffer(env, (size_t)BATCH * META, &meta_data, &meta) != napi_ok) {
    free(in);
    return NULL;
  }
  in->meta = meta_data;
  if (napi_create_reference(env, meta, 1, &in->meta_ref) != napi_ok) {
    free(in);
    return NULL;
  }
  if (napi_set_instance_data(env, in, instance_free, NULL) != napi_ok) {
    if (napi_delete_reference(env, in->meta_ref) != napi_ok) { /* the environment is failing: nothing more to release */ }
    free(in);
    return NULL;
  }
  /* From here the instance data (freed with the environment) owns `in`. */
  if (napi_add_env_cleanup_hook(env, instance_cleanup, in) != napi_ok) return NULL;

  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"open", js_open}, {"send", js_send}, {"close", js_close}, {"stats", js_stats}, {"openCount", js_open_count}, {"meta", js_meta},
  };
  napi_value fn, constant;
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok)
      return NULL;
  }
  if (napi_create_uint32(env, BATCH, &constant) != napi_ok || napi_set_named_property(env, exports, "batch", constant) != napi_ok ||
      napi_create_uint32(env, META, &constant) != napi_ok || napi_set_named_property(env, exports, "metaSize", constant) != napi_ok)
    return NULL;
  return exports;
}
