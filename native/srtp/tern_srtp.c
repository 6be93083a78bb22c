/*
 * tern-rtc's optional SRTP cipher accelerator (Node-API).
 *
 * Node's crypto API has no way to re-IV a cipher, so every SRTP packet costs
 * a new OpenSSL context, its key schedule and several JS-to-C++ calls: about
 * 9 µs for a 1200-byte AES-GCM packet on the 2-core CI machine, against
 * about 0.6 µs here, where one context per key is initialised once and only
 * re-IVed per packet. The cipher work itself is OpenSSL's, the very library
 * Node carries: this file is compiled against Node's own headers and resolves
 * its OpenSSL symbols from the running node binary, so it adds no crypto
 * code of its own. Only the RFC 3711 / RFC 7714 IV and AAD layout lives here.
 *
 * Each function takes one session key set (an SRTP or an SRTCP key), the
 * packet, the values the JS context computed (SSRC, ROC, sequence number or
 * SRTCP index) and a caller-allocated output buffer. Every length is checked
 * again here; a call with bad lengths throws a RangeError and touches
 * nothing.
 *
 * Built by scripts/build-native.mjs; loaded by src/srtp/native/binding.ts.
 */
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GCM_TAG 16
#define SRTCP_WORD 4
#define RTCP_HEADER 8
#define MAX_ARGS 8
/* Far above any datagram; keeps every length well inside OpenSSL's int. */
#define MAX_PACKET (1u << 20)
/* HMAC (RFC 2104) over SHA-1: block size and output size. */
#define SHA1_BLOCK 64
#define SHA1_LEN 20

typedef struct {
  int gcm;                 /* 1: AEAD AES-GCM (RFC 7714); 0: AES-CM + HMAC-SHA1 (RFC 3711) */
  EVP_CIPHER_CTX *enc;     /* keyed once; GCM seals and CM runs the keystream with it */
  EVP_CIPHER_CTX *dec;     /* GCM only, created on first open */
  const EVP_CIPHER *cipher;
  unsigned char key[32];
  size_t key_len;
  unsigned char salt[14];  /* 12 bytes (GCM) or 14 (CM) used */
  /*
   * CM only: HMAC-SHA1 (RFC 2104) on EVP digests, keyed once. `inner` and
   * `outer` hold SHA-1 after the ipad and opad blocks; each packet copies
   * them into `work` (the deprecated HMAC_CTX did the same internally).
   */
  EVP_MD_CTX *inner, *outer, *work;
} SrtpKey;

static void key_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  SrtpKey *k = data;
  if (k->enc) EVP_CIPHER_CTX_free(k->enc);
  if (k->dec) EVP_CIPHER_CTX_free(k->dec);
  if (k->inner) EVP_MD_CTX_free(k->inner);
  if (k->outer) EVP_MD_CTX_free(k->outer);
  if (k->work) EVP_MD_CTX_free(k->work);
  OPENSSL_cleanse(k->key, sizeof k->key);
  free(k);
}

/* ---- argument helpers: each returns 0 after throwing on bad input ---- */

typedef struct {
  napi_env env;
  size_t argc;
  napi_value argv[MAX_ARGS];
} Args;

static int args_get(napi_env env, napi_callback_info info, Args *a, size_t need) {
  a->env = env;
  a->argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) return 0;
  if (a->argc < need) {
    napi_throw_type_error(env, NULL, "tern_srtp: missing arguments");
    return 0;
  }
  return 1;
}

static int arg_bytes(Args *a, size_t i, unsigned char **data, size_t *len) {
  bool is;
  if (napi_is_buffer(a->env, a->argv[i], &is) != napi_ok || !is ||
      napi_get_buffer_info(a->env, a->argv[i], (void **)data, len) != napi_ok) {
    napi_throw_type_error(a->env, NULL, "tern_srtp: expected a Buffer");
    return 0;
  }
  return 1;
}

static int arg_u32(Args *a, size_t i, uint32_t *out) {
  if (napi_get_value_uint32(a->env, a->argv[i], out) != napi_ok) {
    napi_throw_type_error(a->env, NULL, "tern_srtp: expected a number");
    return 0;
  }
  return 1;
}

static int arg_key(Args *a, size_t i, int gcm, SrtpKey **out) {
  if (napi_get_value_external(a->env, a->argv[i], (void **)out) != napi_ok || *out == NULL || (*out)->gcm != gcm) {
    napi_throw_type_error(a->env, NULL, "tern_srtp: expected a key handle of the right kind");
    return 0;
  }
  return 1;
}

static int range_error(napi_env env, const char *what) {
  napi_throw_range_error(env, NULL, what);
  return 0;
}

/* A JS boolean; NULL (with the exception Node-API left pending) if it cannot be made. */
static napi_value boolean(napi_env env, int v) {
  napi_value r;
  if (napi_get_boolean(env, v != 0, &r) != napi_ok) return NULL;
  return r;
}

/* out[0..n) = in[0..n); nothing to do when decrypting in place (out == in). */
static void copy_front(unsigned char *out, const unsigned char *in, size_t n) {
  if (out != in) memcpy(out, in, n);
}

/*
 * Output and input are either the same bytes (in-place unprotect: out is a
 * prefix of in) or do not overlap at all; OpenSSL allows nothing in between.
 */
static int buffers_ok(napi_env env, const unsigned char *in, size_t in_len, const unsigned char *out, size_t out_len) {
  if (out == in || out + out_len <= in || in + in_len <= out) return 1;
  napi_throw_range_error(env, NULL, "tern_srtp: output partly overlaps input");
  return 0;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* ---- HMAC-SHA1 (RFC 2104) ---- */

/* Keys `inner`/`outer` with H(K XOR ipad) and H(K XOR opad) prefixes; a key longer than a block is hashed first. */
static int hmac_key(SrtpKey *k, const unsigned char *auth, size_t auth_len) {
  unsigned char block[SHA1_BLOCK], pad[SHA1_BLOCK];
  unsigned int n = 0;
  memset(block, 0, sizeof block);
  int ok = 1;
  if (auth_len > SHA1_BLOCK) ok = EVP_Digest(auth, auth_len, block, &n, EVP_sha1(), NULL) == 1;
  else memcpy(block, auth, auth_len);
  k->inner = EVP_MD_CTX_new();
  k->outer = EVP_MD_CTX_new();
  k->work = EVP_MD_CTX_new();
  ok = ok && k->inner && k->outer && k->work;
  for (int i = 0; i < SHA1_BLOCK; i++) pad[i] = block[i] ^ 0x36;
  ok = ok && EVP_DigestInit_ex(k->inner, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(k->inner, pad, SHA1_BLOCK) == 1;
  for (int i = 0; i < SHA1_BLOCK; i++) pad[i] = block[i] ^ 0x5c;
  ok = ok && EVP_DigestInit_ex(k->outer, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(k->outer, pad, SHA1_BLOCK) == 1;
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  return ok;
}

/* ---- key handles ---- */

/* createKey(gcm: boolean, key: Buffer(16|32), salt: Buffer(12 for GCM, 14 for CM), authKey: Buffer) */
static napi_value create_key(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_get(env, info, &a, 4)) return NULL;
  bool gcm;
  if (napi_get_value_bool(env, a.argv[0], &gcm) != napi_ok) {
    napi_throw_type_error(env, NULL, "tern_srtp: expected a boolean");
    return NULL;
  }
  unsigned char *key, *salt, *auth;
  size_t key_len, salt_len, auth_len;
  if (!arg_bytes(&a, 1, &key, &key_len) || !arg_bytes(&a, 2, &salt, &salt_len) || !arg_bytes(&a, 3, &auth, &auth_len)) return NULL;
  if (key_len != 16 && key_len != 32) return range_error(env, "tern_srtp: key must be 16 or 32 bytes"), NULL;
  if (salt_len != (gcm ? 12u : 14u)) return range_error(env, "tern_srtp: wrong salt length"), NULL;
  SrtpKey *k = calloc(1, sizeof *k);
  if (!k) return napi_throw_error(env, NULL, "tern_srtp: out of memory"), NULL;
  k->gcm = gcm;
  k->key_len = key_len;
  memcpy(k->key, key, key_len);
  memcpy(k->salt, salt, salt_len);
  k->cipher = gcm ? (key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm())
                  : (key_len == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr());
  k->enc = EVP_CIPHER_CTX_new();
  int ok = k->enc && EVP_EncryptInit_ex(k->enc, k->cipher, NULL, k->key, NULL) == 1;
  if (ok && !gcm) ok = hmac_key(k, auth, auth_len);
  if (!ok) {
    key_free(env, k, NULL);
    napi_throw_error(env, NULL, "tern_srtp: OpenSSL could not set up the key");
    return NULL;
  }
  napi_value ext;
  if (napi_create_external(env, k, key_free, NULL, &ext) != napi_ok) {
    key_free(env, k, NULL);
    return NULL;
  }
  return ext;
}

/* ---- AEAD AES-GCM (RFC 7714) ---- */

/* §8.1 IV = (0x0000 || SSRC || hi32 || lo16) XOR salt; §9.1 for SRTCP (hi32 || lo16 = 0x0000 || index). */
static void gcm_iv(const SrtpKey *k, unsigned char iv[12], uint32_t ssrc, uint32_t hi32, uint32_t lo16) {
  iv[0] = 0;
  iv[1] = 0;
  put32(iv + 2, ssrc);
  put32(iv + 6, hi32);
  iv[10] = (unsigned char)(lo16 >> 8);
  iv[11] = (unsigned char)lo16;
  for (int i = 0; i < 12; i++) iv[i] ^= k->salt[i];
}

static int gcm_seal(SrtpKey *k, const unsigned char iv[12], const unsigned char *aad, size_t aad_len,
                    const unsigned char *aad2, size_t aad2_len, const unsigned char *in, size_t in_len,
                    unsigned char *out, unsigned char *tag) {
  int n;
  return EVP_EncryptInit_ex(k->enc, NULL, NULL, NULL, iv) == 1 &&
         EVP_EncryptUpdate(k->enc, NULL, &n, aad, (int)aad_len) == 1 &&
         (aad2_len == 0 || EVP_EncryptUpdate(k->enc, NULL, &n, aad2, (int)aad2_len) == 1) &&
         (in_len == 0 || EVP_EncryptUpdate(k->enc, out, &n, in, (int)in_len) == 1) &&
         EVP_EncryptFinal_ex(k->enc, out + in_len, &n) == 1 &&
         EVP_CIPHER_CTX_ctrl(k->enc, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag) == 1;
}

/* Decrypts and verifies; 1 only when the tag matches (out is garbage otherwise). */
static int gcm_open(SrtpKey *k, const unsigned char iv[12], const unsigned char *aad, size_t aad_len,
                    const unsigned char *aad2, size_t aad2_len, const unsigned char *in, size_t in_len,
                    const unsigned char *tag_in, unsigned char *out) {
  if (!k->dec) {
    k->dec = EVP_CIPHER_CTX_new();
    if (!k->dec || EVP_DecryptInit_ex(k->dec, k->cipher, NULL, k->key, NULL) != 1) {
      if (k->dec) EVP_CIPHER_CTX_free(k->dec);
      k->dec = NULL;
      return 0;
    }
  }
  unsigned char tag[GCM_TAG];
  memcpy(tag, tag_in, GCM_TAG);
  int n;
  return EVP_DecryptInit_ex(k->dec, NULL, NULL, NULL, iv) == 1 &&
         EVP_DecryptUpdate(k->dec, NULL, &n, aad, (int)aad_len) == 1 &&
         (aad2_len == 0 || EVP_DecryptUpdate(k->dec, NULL, &n, aad2, (int)aad2_len) == 1) &&
         (in_len == 0 || EVP_DecryptUpdate(k->dec, out, &n, in, (int)in_len) == 1) &&
         EVP_CIPHER_CTX_ctrl(k->dec, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) == 1 &&
         EVP_DecryptFinal_ex(k->dec, out + in_len, &n) > 0;
}

/* ---- AES-CM + HMAC-SHA1 (RFC 3711 §4.1.1, §4.2.1) ---- */

/* IV = (salt·2^16) XOR (SSRC·2^64) XOR (i·2^16), i = hi32·2^16 + lo16; the low 16 bits count blocks. */
static void cm_iv(const SrtpKey *k, unsigned char iv[16], uint32_t ssrc, uint32_t hi32, uint32_t lo16) {
  memset(iv, 0, 16);
  put32(iv + 4, ssrc);
  put32(iv + 8, hi32);
  iv[12] = (unsigned char)(lo16 >> 8);
  iv[13] = (unsigned char)lo16;
  for (int i = 0; i < 14; i++) iv[i] ^= k->salt[i];
}

static int cm_crypt(SrtpKey *k, const unsigned char iv[16], const unsigned char *in, size_t len, unsigned char *out) {
  int n;
  return EVP_EncryptInit_ex(k->enc, NULL, NULL, NULL, iv) == 1 && (len == 0 || EVP_EncryptUpdate(k->enc, out, &n, in, (int)len) == 1);
}

/* HMAC-SHA1 over a || b, first 20 bytes into mac. */
static int cm_mac(SrtpKey *k, const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len,
                  unsigned char mac[EVP_MAX_MD_SIZE]) {
  unsigned char ih[EVP_MAX_MD_SIZE];
  unsigned int n = 0, m = 0;
  return EVP_MD_CTX_copy_ex(k->work, k->inner) == 1 && EVP_DigestUpdate(k->work, a, a_len) == 1 &&
         (b_len == 0 || EVP_DigestUpdate(k->work, b, b_len) == 1) && EVP_DigestFinal_ex(k->work, ih, &n) == 1 && n == SHA1_LEN &&
         EVP_MD_CTX_copy_ex(k->work, k->outer) == 1 && EVP_DigestUpdate(k->work, ih, n) == 1 &&
         EVP_DigestFinal_ex(k->work, mac, &m) == 1 && m == SHA1_LEN;
}

static int tag_len_ok(uint32_t t) { return t >= 4 && t <= 20; }

/* ---- calls: one argument layout for every profile ---- */

typedef struct {
  SrtpKey *k;
  unsigned char *in, *out;
  size_t in_len, out_len;
  uint32_t hl, ssrc, roc, seq, index, tl;
  bool encrypted;
} Call;

static int tag_ok(int gcm, uint32_t tl) { return gcm ? tl == GCM_TAG : tag_len_ok(tl); }

/*
 * RTP: (key, in, headerLength, ssrc, roc, seq, tagLength, out). Protect:
 * out.length = in.length + tagLength; unprotect: in.length - tagLength.
 */
static int rtp_call(napi_env env, napi_callback_info info, int gcm, int protect, Call *c) {
  Args a;
  if (!args_get(env, info, &a, 8) || !arg_key(&a, 0, gcm, &c->k) || !arg_bytes(&a, 1, &c->in, &c->in_len) || !arg_u32(&a, 2, &c->hl) ||
      !arg_u32(&a, 3, &c->ssrc) || !arg_u32(&a, 4, &c->roc) || !arg_u32(&a, 5, &c->seq) || !arg_u32(&a, 6, &c->tl) ||
      !arg_bytes(&a, 7, &c->out, &c->out_len))
    return 0;
  int ok = tag_ok(gcm, c->tl) && c->in_len <= MAX_PACKET &&
           (protect ? c->hl <= c->in_len && c->out_len == c->in_len + c->tl
                    : c->in_len >= c->tl && c->hl <= c->in_len - c->tl && c->out_len == c->in_len - c->tl);
  if (!ok) return range_error(env, "tern_srtp: bad RTP lengths");
  return buffers_ok(env, c->in, c->in_len, c->out, c->out_len);
}

/*
 * RTCP: (key, in, ssrc, index, encrypted, tagLength, out). Protect (always
 * encrypts): out.length = in.length + tagLength + 4; unprotect: in.length -
 * tagLength - 4.
 */
static int rtcp_call(napi_env env, napi_callback_info info, int gcm, int protect, Call *c) {
  Args a;
  if (!args_get(env, info, &a, 7) || !arg_key(&a, 0, gcm, &c->k) || !arg_bytes(&a, 1, &c->in, &c->in_len) || !arg_u32(&a, 2, &c->ssrc) ||
      !arg_u32(&a, 3, &c->index) || !arg_u32(&a, 5, &c->tl) || !arg_bytes(&a, 6, &c->out, &c->out_len))
    return 0;
  if (napi_get_value_bool(env, a.argv[4], &c->encrypted) != napi_ok) {
    napi_throw_type_error(env, NULL, "tern_srtp: expected a boolean");
    return 0;
  }
  size_t extra = (size_t)c->tl + SRTCP_WORD;
  int ok = tag_ok(gcm, c->tl) && c->index <= 0x7fffffffu && c->in_len <= MAX_PACKET &&
           (protect ? c->in_len >= RTCP_HEADER && c->out_len == c->in_len + extra
                    : c->in_len >= RTCP_HEADER + extra && c->out_len == c->in_len - extra);
  if (!ok) return range_error(env, "tern_srtp: bad RTCP lengths");
  return buffers_ok(env, c->in, c->in_len, c->out, c->out_len);
}

static napi_value failed(napi_env env) {
  napi_throw_error(env, NULL, "tern_srtp: OpenSSL failed");
  return NULL;
}

/* gcmProtectRtp: out = header || ciphertext || tag. */
static napi_value gcm_protect_rtp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtp_call(env, info, 1, 1, &c)) return NULL;
  unsigned char iv[12];
  gcm_iv(c.k, iv, c.ssrc, c.roc, c.seq);
  copy_front(c.out, c.in, c.hl);
  if (!gcm_seal(c.k, iv, c.in, c.hl, NULL, 0, c.in + c.hl, c.in_len - c.hl, c.out + c.hl, c.out + c.in_len)) return failed(env);
  return NULL;
}

/* gcmUnprotectRtp -> tag verified; out = header || plaintext. */
static napi_value gcm_unprotect_rtp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtp_call(env, info, 1, 0, &c)) return NULL;
  unsigned char iv[12];
  gcm_iv(c.k, iv, c.ssrc, c.roc, c.seq);
  copy_front(c.out, c.in, c.hl);
  size_t ct = c.in_len - GCM_TAG - c.hl;
  return boolean(env, gcm_open(c.k, iv, c.in, c.hl, NULL, 0, c.in + c.hl, ct, c.in + c.hl + ct, c.out + c.hl));
}

/* gcmProtectRtcp: out = header || ciphertext || tag || E||index (RFC 7714 §9.2). */
static napi_value gcm_protect_rtcp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtcp_call(env, info, 1, 1, &c)) return NULL;
  unsigned char iv[12], word[SRTCP_WORD];
  gcm_iv(c.k, iv, c.ssrc, c.index >> 16, c.index & 0xffff);
  put32(word, 0x80000000u | c.index);
  copy_front(c.out, c.in, RTCP_HEADER);
  if (!gcm_seal(c.k, iv, c.in, RTCP_HEADER, word, SRTCP_WORD, c.in + RTCP_HEADER, c.in_len - RTCP_HEADER, c.out + RTCP_HEADER,
                c.out + c.in_len))
    return failed(env);
  memcpy(c.out + c.in_len + GCM_TAG, word, SRTCP_WORD);
  return NULL;
}

/*
 * gcmUnprotectRtcp -> tag verified. E = 1: out = header || plaintext. E = 0
 * (§9.3): the packet and E||index are all AAD; out = the packet as it came.
 */
static napi_value gcm_unprotect_rtcp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtcp_call(env, info, 1, 0, &c)) return NULL;
  const unsigned char *word = c.in + c.in_len - SRTCP_WORD;
  const unsigned char *tag = word - GCM_TAG;
  size_t body = c.in_len - GCM_TAG - SRTCP_WORD;
  unsigned char iv[12];
  gcm_iv(c.k, iv, c.ssrc, c.index >> 16, c.index & 0xffff);
  if (c.encrypted) {
    copy_front(c.out, c.in, RTCP_HEADER);
    return boolean(env, gcm_open(c.k, iv, c.in, RTCP_HEADER, word, SRTCP_WORD, c.in + RTCP_HEADER, body - RTCP_HEADER, tag,
                                 c.out + RTCP_HEADER));
  }
  copy_front(c.out, c.in, body);
  return boolean(env, gcm_open(c.k, iv, c.in, body, word, SRTCP_WORD, NULL, 0, tag, c.out + body));
}

/* cmProtectRtp: out = header || ciphertext || tag, the tag over header || ciphertext || ROC (§4.2). */
static napi_value cm_protect_rtp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtp_call(env, info, 0, 1, &c)) return NULL;
  unsigned char iv[16], mac[EVP_MAX_MD_SIZE], rocw[4];
  cm_iv(c.k, iv, c.ssrc, c.roc, c.seq);
  put32(rocw, c.roc);
  copy_front(c.out, c.in, c.hl);
  if (!cm_crypt(c.k, iv, c.in + c.hl, c.in_len - c.hl, c.out + c.hl) || !cm_mac(c.k, c.out, c.in_len, rocw, 4, mac)) return failed(env);
  memcpy(c.out + c.in_len, mac, c.tl);
  return NULL;
}

/* cmUnprotectRtp -> tag verified (before anything is decrypted). */
static napi_value cm_unprotect_rtp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtp_call(env, info, 0, 0, &c)) return NULL;
  size_t auth = c.in_len - c.tl;
  unsigned char iv[16], mac[EVP_MAX_MD_SIZE], rocw[4];
  put32(rocw, c.roc);
  if (!cm_mac(c.k, c.in, auth, rocw, 4, mac) || CRYPTO_memcmp(mac, c.in + auth, c.tl) != 0) return boolean(env, 0);
  cm_iv(c.k, iv, c.ssrc, c.roc, c.seq);
  copy_front(c.out, c.in, c.hl);
  return boolean(env, cm_crypt(c.k, iv, c.in + c.hl, auth - c.hl, c.out + c.hl));
}

/* cmProtectRtcp: out = header || ciphertext || E||index || tag (RFC 3711 §3.4). */
static napi_value cm_protect_rtcp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtcp_call(env, info, 0, 1, &c)) return NULL;
  unsigned char iv[16], mac[EVP_MAX_MD_SIZE];
  cm_iv(c.k, iv, c.ssrc, c.index >> 16, c.index & 0xffff);
  copy_front(c.out, c.in, RTCP_HEADER);
  put32(c.out + c.in_len, 0x80000000u | c.index);
  if (!cm_crypt(c.k, iv, c.in + RTCP_HEADER, c.in_len - RTCP_HEADER, c.out + RTCP_HEADER) ||
      !cm_mac(c.k, c.out, c.in_len + SRTCP_WORD, NULL, 0, mac))
    return failed(env);
  memcpy(c.out + c.in_len + SRTCP_WORD, mac, c.tl);
  return NULL;
}

/* cmUnprotectRtcp -> tag verified; out = the RTCP packet. */
static napi_value cm_unprotect_rtcp(napi_env env, napi_callback_info info) {
  Call c;
  if (!rtcp_call(env, info, 0, 0, &c)) return NULL;
  size_t auth = c.in_len - c.tl;
  size_t len = auth - SRTCP_WORD;
  unsigned char iv[16], mac[EVP_MAX_MD_SIZE];
  if (!cm_mac(c.k, c.in, auth, NULL, 0, mac) || CRYPTO_memcmp(mac, c.in + auth, c.tl) != 0) return boolean(env, 0);
  if (!c.encrypted) {
    copy_front(c.out, c.in, len);
    return boolean(env, 1);
  }
  cm_iv(c.k, iv, c.ssrc, c.index >> 16, c.index & 0xffff);
  copy_front(c.out, c.in, RTCP_HEADER);
  return boolean(env, cm_crypt(c.k, iv, c.in + RTCP_HEADER, len - RTCP_HEADER, c.out + RTCP_HEADER));
}

/* opensslVersions() -> [the OpenSSL this was compiled against, the one it runs on] (OPENSSL_VERSION_NUMBER form). */
static napi_value openssl_versions(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr, built, running;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok || napi_create_double(env, (double)OPENSSL_VERSION_NUMBER, &built) != napi_ok ||
      napi_create_double(env, (double)OpenSSL_version_num(), &running) != napi_ok || napi_set_element(env, arr, 0, built) != napi_ok ||
      napi_set_element(env, arr, 1, running) != napi_ok)
    return NULL;
  return arr;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"createKey", create_key},
      {"gcmProtectRtp", gcm_protect_rtp},
      {"gcmUnprotectRtp", gcm_unprotect_rtp},
      {"gcmProtectRtcp", gcm_protect_rtcp},
      {"gcmUnprotectRtcp", gcm_unprotect_rtcp},
      {"cmProtectRtp", cm_protect_rtp},
      {"cmUnprotectRtp", cm_unprotect_rtp},
      {"cmProtectRtcp", cm_protect_rtcp},
      {"cmUnprotectRtcp", cm_unprotect_rtcp},
      {"opensslVersions", openssl_versions},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, f) != napi_ok)
      return NULL;
  }
  return exports;
}
