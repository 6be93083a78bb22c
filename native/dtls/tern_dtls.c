/*
 * tern-rtc's optional DTLS handshake crypto accelerator (Node-API).
 *
 * A WebRTC DTLS 1.2 handshake costs each side one ECDSA P-256 signature, one
 * verification, one ECDHE key pair and shared secret, and a dozen HMACs for
 * the PRF. Node's crypto reaches OpenSSL 3 through its generic EVP layer, where
 * every call fetches algorithms, builds and frees contexts and, for a peer's
 * key, runs a key import: a handshake spends several times the raw OpenSSL cost
 * there (sign ~110 us against ~20 us raw, verify ~190 us against ~55 us on the
 * 2-core CI machine). Here a certificate key is turned into an EC key once and
 * reused, and each operation is one direct call.
 *
 * All cryptography is OpenSSL's, the very library Node carries: this file is
 * compiled against Node's own headers and resolves its OpenSSL symbols from
 * the running node binary, so it adds no crypto code of its own. The P-256
 * calls use OpenSSL's EC_KEY/ECDSA/ECDH functions (deprecated in 3.0 in favour
 * of EVP, which is exactly the overhead avoided; they remain in every 3.x).
 * The PRF uses the EVP_MAC HMAC, keyed once per call.
 *
 * Every length is checked here; bad arguments throw (TypeError/RangeError),
 * invalid peer values (a point off the curve, a failed derivation) return
 * null. The OpenSSL error queue is cleared after any failure so that Node's
 * own crypto never sees a stale error.
 *
 * Built by scripts/build-native.mjs; loaded by src/dtls/native/binding.ts.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdh.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 4
#define P256_SCALAR 32
#define P256_POINT 65 /* 04 || X || Y */
#define X25519_LEN 32
/* Far above any handshake transcript; keeps lengths well inside OpenSSL's int. */
#define MAX_INPUT (1u << 24)
/* The PRF never needs more: key blocks are <= 136 bytes, the exporter's output is capped in JS. */
#define MAX_PRF_OUTPUT 65536
#define MAX_MD 64

/* A key handle: a P-256 EC key (public, or private with its public point) or an X25519 private key. */
typedef struct {
  EC_KEY *key;     /* P-256 */
  EVP_PKEY *x25519;
  int has_private;
} EcKey;

/* Per Node environment (main thread or worker): the HMAC implementation, fetched once. */
typedef struct {
  EVP_MAC *hmac;
} Instance;

static void instance_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Instance *in = data;
  if (in->hmac) EVP_MAC_free(in->hmac);
  free(in);
}

static void ec_key_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  EcKey *k = data;
  EC_KEY_free(k->key); /* both free functions clear private material */
  EVP_PKEY_free(k->x25519);
  free(k);
}

/* ---- argument helpers: each returns 0 after throwing ---- */

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
    napi_throw_type_error(env, NULL, "tern_dtls: missing arguments");
    return 0;
  }
  return 1;
}

static int arg_bytes(Args *a, size_t i, unsigned char **data, size_t *len) {
  bool is;
  if (napi_is_buffer(a->env, a->argv[i], &is) != napi_ok || !is ||
      napi_get_buffer_info(a->env, a->argv[i], (void **)data, len) != napi_ok) {
    napi_throw_type_error(a->env, NULL, "tern_dtls: expected a Buffer");
    return 0;
  }
  if (*len > MAX_INPUT) {
    napi_throw_range_error(a->env, NULL, "tern_dtls: input too large");
    return 0;
  }
  return 1;
}

static int arg_sized(Args *a, size_t i, unsigned char **data, size_t want) {
  size_t len;
  if (!arg_bytes(a, i, data, &len)) return 0;
  if (len != want) {
    napi_throw_range_error(a->env, NULL, "tern_dtls: wrong input length");
    return 0;
  }
  return 1;
}

/* need: 0 any P-256 key, 1 a P-256 private key, 2 an X25519 private key. */
static int arg_key(Args *a, size_t i, int need_private, EcKey **out) {
  napi_valuetype t;
  if (napi_typeof(a->env, a->argv[i], &t) != napi_ok || t != napi_external ||
      napi_get_value_external(a->env, a->argv[i], (void **)out) != napi_ok || *out == NULL ||
      (need_private && !(*out)->has_private) || (need_private == 2 ? (*out)->x25519 == NULL : (*out)->key == NULL)) {
    napi_throw_type_error(a->env, NULL, "tern_dtls: expected an EC key handle of the right kind");
    return 0;
  }
  return 1;
}

static napi_value null_value(napi_env env) {
  napi_value r;
  if (napi_get_null(env, &r) != napi_ok) return NULL;
  return r;
}

static napi_value failed(napi_env env) {
  ERR_clear_error();
  return null_value(env);
}

static napi_value throw_openssl(napi_env env, const char *what) {
  ERR_clear_error();
  napi_throw_error(env, NULL, what);
  return NULL;
}

static napi_value copy_buffer(napi_env env, const unsigned char *data, size_t len) {
  napi_value buf;
  if (napi_create_buffer_copy(env, len, data, NULL, &buf) != napi_ok) return NULL;
  return buf;
}

static napi_value wrap_key(napi_env env, EC_KEY *key, EVP_PKEY *x, int has_private) {
  EcKey *k = malloc(sizeof *k);
  if (!k) {
    EC_KEY_free(key);
    EVP_PKEY_free(x);
    napi_throw_error(env, NULL, "tern_dtls: out of memory");
    return NULL;
  }
  k->key = key;
  k->x25519 = x;
  k->has_private = has_private;
  napi_value ext;
  if (napi_create_external(env, k, ec_key_free, NULL, &ext) != napi_ok) {
    ec_key_free(env, k, NULL);
    return NULL;
  }
  return ext;
}

/* ---- P-256 keys ---- */

/* ecPrivateKey(d: Buffer(32)) -> key handle, public key computed; throws unless 0 < d < n. */
static napi_value ec_private_key(napi_env env, napi_callback_info info) {
  Args a;
  unsigned char *d;
  if (!args_get(env, info, &a, 1) || !arg_sized(&a, 0, &d, P256_SCALAR)) return NULL;
  EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  BIGNUM *bn = BN_bin2bn(d, P256_SCALAR, NULL);
  EC_POINT *pub = NULL;
  int ok = key && bn && !BN_is_zero(bn);
  if (ok) {
    const EC_GROUP *g = EC_KEY_get0_group(key);
    ok = BN_cmp(bn, EC_GROUP_get0_order(g)) < 0 && (pub = EC_POINT_new(g)) != NULL &&
         EC_POINT_mul(g, pub, bn, NULL, NULL, NULL) == 1 && EC_KEY_set_private_key(key, bn) == 1 &&
         EC_KEY_set_public_key(key, pub) == 1;
  }
  EC_POINT_free(pub);
  BN_clear_free(bn);
  if (!ok) {
    EC_KEY_free(key);
    ERR_clear_error();
    napi_throw_range_error(env, NULL, "tern_dtls: invalid P-256 private key");
    return NULL;
  }
  return wrap_key(env, key, NULL, 1);
}

/* ecPublicKey(point: Buffer(65), uncompressed) -> key handle, or null when not a point on the curve. */
static napi_value ec_public_key(napi_env env, napi_callback_info info) {
  Args a;
  unsigned char *p;
  if (!args_get(env, info, &a, 1) || !arg_sized(&a, 0, &p, P256_POINT)) return NULL;
  if (p[0] != 4) return null_value(env);
  EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  EC_POINT *pt = key ? EC_POINT_new(EC_KEY_get0_group(key)) : NULL;
  /* oct2point rejects points off the curve. */
  int ok = pt && EC_POINT_oct2point(EC_KEY_get0_group(key), pt, p, P256_POINT, NULL) == 1 && EC_KEY_set_public_key(key, pt) == 1;
  EC_POINT_free(pt);
  if (!ok) {
    EC_KEY_free(key);
    return failed(env);
  }
  return wrap_key(env, key, NULL, 0);
}

/* ecPublicPoint(key) -> Buffer(65), the uncompressed public point. */
static napi_value ec_public_point(napi_env env, napi_callback_info info) {
  Args a;
  EcKey *k;
  if (!args_get(env, info, &a, 1) || !arg_key(&a, 0, 0, &k)) return NULL;
  unsigned char out[P256_POINT];
  const EC_POINT *pub = EC_KEY_get0_public_key(k->key);
  if (!pub || EC_POINT_point2oct(EC_KEY_get0_group(k->key), pub, POINT_CONVERSION_UNCOMPRESSED, out, sizeof out, NULL) != P256_POINT) {
    return throw_openssl(env, "tern_dtls: could not encode the public point");
  }
  return copy_buffer(env, out, sizeof out);
}

/* ---- ECDSA with SHA-256 (RFC 8422 §5.4: DER Ecdsa-Sig-Value) ---- */

/* ecdsaSign(key, data) -> Buffer, the DER signature of SHA-256(data). */
static napi_value ecdsa_sign(napi_env env, napi_callback_info info) {
  Args a;
  EcKey *k;
  unsigned char *data;
  size_t len;
  if (!args_get(env, info, &a, 2) || !arg_key(&a, 0, 1, &k) || !arg_bytes(&a, 1, &data, &len)) return NULL;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned char sig[80]; /* ECDSA_size for P-256 is 72 */
  unsigned int sig_len = 0;
  if ((size_t)ECDSA_size(k->key) > sizeof sig || SHA256(data, len, digest) == NULL ||
      ECDSA_sign(0, digest, sizeof digest, sig, &sig_len, k->key) != 1) {
    return throw_openssl(env, "tern_dtls: ECDSA signing failed");
  }
  return copy_buffer(env, sig, sig_len);
}

/* ecdsaVerify(key, data, signature) -> boolean. */
static napi_value ecdsa_verify(napi_env env, napi_callback_info info) {
  Args a;
  EcKey *k;
  unsigned char *data, *sig;
  size_t len, sig_len;
  if (!args_get(env, info, &a, 3) || !arg_key(&a, 0, 0, &k) || !arg_bytes(&a, 1, &data, &len) || !arg_bytes(&a, 2, &sig, &sig_len)) return NULL;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  int ok = sig_len <= 256 && SHA256(data, len, digest) != NULL && ECDSA_verify(0, digest, sizeof digest, sig, (int)sig_len, k->key) == 1;
  if (!ok) ERR_clear_error();
  napi_value r;
  if (napi_get_boolean(env, ok, &r) != napi_ok) return NULL;
  return r;
}

/* ---- ECDHE ---- */

/* ecdh(key, peerPoint: Buffer(65)) -> Buffer(32) shared secret (x coordinate), or null for an invalid point. */
static napi_value ecdh(napi_env env, napi_callback_info info) {
  Args a;
  EcKey *k;
  unsigned char *p;
  if (!args_get(env, info, &a, 2) || !arg_key(&a, 0, 1, &k) || !arg_sized(&a, 1, &p, P256_POINT)) return NULL;
  if (p[0] != 4) return null_value(env);
  const EC_GROUP *g = EC_KEY_get0_group(k->key);
  EC_POINT *pt = EC_POINT_new(g);
  unsigned char out[P256_SCALAR];
  int ok = pt && EC_POINT_oct2point(g, pt, p, P256_POINT, NULL) == 1 && ECDH_compute_key(out, sizeof out, pt, k->key, NULL) == (int)sizeof out;
  EC_POINT_free(pt);
  if (!ok) return failed(env);
  napi_value r = copy_buffer(env, out, sizeof out);
  OPENSSL_cleanse(out, sizeof out);
  return r;
}

/* x25519PrivateKey(privateKey: Buffer(32)) -> key handle (RFC 7748 §5: OpenSSL clamps the scalar). */
static napi_value x25519_private_key(napi_env env, napi_callback_info info) {
  Args a;
  unsigned char *priv;
  if (!args_get(env, info, &a, 1) || !arg_sized(&a, 0, &priv, X25519_LEN)) return NULL;
  EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, X25519_LEN);
  if (!pk) return throw_openssl(env, "tern_dtls: X25519 key generation failed");
  return wrap_key(env, NULL, pk, 1);
}

/* x25519PublicKey(key) -> Buffer(32), the public value (computed when the key was made). */
static napi_value x25519_public_key(napi_env env, napi_callback_info info) {
  Args a;
  EcKey *k;
  if (!args_get(env, info, &a, 1) || !arg_key(&a, 0, 2, &k)) return NULL;
  unsigned char out[X25519_LEN];
  size_t out_len = sizeof out;
  if (EVP_PKEY_get_raw_public_key(k->x25519, out, &out_len) != 1 || out_len != X25519_LEN) {
    return throw_openssl(env, "tern_dtls: X25519 public key unavailable");
  }
  return copy_buffer(env, out, sizeof out);
}

/* x25519(key, peerPublic: Buffer(32)) -> Buffer(32), or null when derivation fails (all-zero result). */
static napi_value x25519(napi_env env, napi_callback_info info) {
  Args a;
  EcKey *k;
  unsigned char *peer;
  if (!args_get(env, info, &a, 2) || !arg_key(&a, 0, 2, &k) || !arg_sized(&a, 1, &peer, X25519_LEN)) return NULL;
  EVP_PKEY *pp = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, X25519_LEN);
  EVP_PKEY_CTX *ctx = pp ? EVP_PKEY_CTX_new(k->x25519, NULL) : NULL;
  unsigned char out[X25519_LEN];
  size_t out_len = sizeof out;
  /* OpenSSL's X25519 derive fails on an all-zero secret (the RFC 7748 §6.1 check). */
  int ok = ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, pp) == 1 &&
           EVP_PKEY_derive(ctx, out, &out_len) == 1 && out_len == X25519_LEN;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(pp);
  if (!ok) return failed(env);
  napi_value r = copy_buffer(env, out, sizeof out);
  OPENSSL_cleanse(out, sizeof out);
  return r;
}

/* ---- TLS 1.2 PRF (RFC 5246 §5) ---- */

static int mac_block(EVP_MAC_CTX *ctx, const unsigned char *a, size_t a_len, const unsigned char *seed, size_t seed_len,
                     unsigned char *out, size_t *out_len) {
  /* Re-initialising with no key keeps the key (OpenSSL 3 HMAC) and resets the state. */
  return EVP_MAC_init(ctx, NULL, 0, NULL) == 1 && EVP_MAC_update(ctx, a, a_len) == 1 &&
         (seed_len == 0 || EVP_MAC_update(ctx, seed, seed_len) == 1) && EVP_MAC_final(ctx, out, out_len, MAX_MD) == 1;
}

/* prf(sha384: boolean, secret, labelAndSeed, length) -> Buffer(length): P_hash(secret, label + seed). */
static napi_value prf(napi_env env, napi_callback_info info) {
  Args a;
  bool sha384;
  unsigned char *secret, *seed;
  size_t secret_len, seed_len;
  uint32_t length;
  if (!args_get(env, info, &a, 4)) return NULL;
  if (napi_get_value_bool(env, a.argv[0], &sha384) != napi_ok || napi_get_value_uint32(env, a.argv[3], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "tern_dtls: expected a boolean and a length");
    return NULL;
  }
  if (!arg_bytes(&a, 1, &secret, &secret_len) || !arg_bytes(&a, 2, &seed, &seed_len)) return NULL;
  if (length == 0 || length > MAX_PRF_OUTPUT) {
    napi_throw_range_error(env, NULL, "tern_dtls: PRF length out of range");
    return NULL;
  }
  Instance *in;
  if (napi_get_instance_data(env, (void **)&in) != napi_ok || in == NULL || in->hmac == NULL) {
    return throw_openssl(env, "tern_dtls: HMAC unavailable");
  }
  napi_value result;
  unsigned char *out;
  if (napi_create_buffer(env, length, (void **)&out, &result) != napi_ok) return NULL;
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(in->hmac);
  OSSL_PARAM params[2] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha384 ? "SHA384" : "SHA256", 0),
      OSSL_PARAM_construct_end(),
  };
  unsigned char A[MAX_MD], block[MAX_MD];
  size_t a_len = 0, block_len = 0, filled = 0;
  /* An empty secret is a valid HMAC key; a NULL key would mean "keep the old key" to EVP_MAC_init. */
  static const unsigned char empty_key[1] = {0};
  if (secret_len == 0) secret = (unsigned char *)empty_key;
  /* A(1) = HMAC(secret, seed); each block = HMAC(secret, A(i) + seed); A(i+1) = HMAC(secret, A(i)). */
  int ok = ctx && EVP_MAC_init(ctx, secret, secret_len, params) == 1 && EVP_MAC_update(ctx, seed, seed_len) == 1 &&
           EVP_MAC_final(ctx, A, &a_len, sizeof A) == 1;
  while (ok && filled < length) {
    ok = mac_block(ctx, A, a_len, seed, seed_len, block, &block_len);
    if (!ok) break;
    size_t n = length - filled < block_len ? length - filled : block_len;
    memcpy(out + filled, block, n);
    filled += n;
    if (filled < length) ok = mac_block(ctx, A, a_len, NULL, 0, A, &a_len);
  }
  EVP_MAC_CTX_free(ctx);
  OPENSSL_cleanse(A, sizeof A);
  OPENSSL_cleanse(block, sizeof block);
  if (!ok) return throw_openssl(env, "tern_dtls: PRF failed");
  return result;
}

/* opensslVersions() -> [the OpenSSL this was compiled against, the one it runs on] (OPENSSL_VERSION_NUMBER form). */
static napi_value openssl_versions(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr, v0, v1;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok || napi_create_double(env, (double)OPENSSL_VERSION_NUMBER, &v0) != napi_ok ||
      napi_set_element(env, arr, 0, v0) != napi_ok || napi_create_double(env, (double)OpenSSL_version_num(), &v1) != napi_ok ||
      napi_set_element(env, arr, 1, v1) != napi_ok) {
    return NULL;
  }
  return arr;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"ecPrivateKey", ec_private_key}, {"ecPublicKey", ec_public_key}, {"ecPublicPoint", ec_public_point},
      {"ecdsaSign", ecdsa_sign},        {"ecdsaVerify", ecdsa_verify},  {"ecdh", ecdh},
      {"x25519PrivateKey", x25519_private_key}, {"x25519PublicKey", x25519_public_key}, {"x25519", x25519},
      {"prf", prf},
      {"opensslVersions", openssl_versions},
  };
  Instance *in = calloc(1, sizeof *in);
  if (!in) return NULL;
  in->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (napi_set_instance_data(env, in, instance_free, NULL) != napi_ok) {
    instance_free(env, in, NULL);
    return NULL;
  }
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, f) != napi_ok)
      return NULL;
  }
  return exports;
}
