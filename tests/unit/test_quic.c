/* test_quic.c - unit tests for dissect/quic.c: Initial key schedule and
 * packet protection against RFC 9001 / RFC 9369 Appendix A, CRYPTO stream
 * reassembly, Retry, budgets and hostile input, and the QUIC flows of
 * pcaps/google_meet.pcapng, pcaps/quic_0RTT.pcap and pcaps/quic-29.pcap
 * (expected values from tshark 4.0, quoted at each test). */
#define _DEFAULT_SOURCE /* u_char etc. for pcap.h */
#include <stdlib.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#include "../../dissect/decode.h"
#include "../../dissect/quic.h"
#include "../../dissect/rd.h"
#include "tu.h"

/* ---- bytes ------------------------------------------------------------ */

/* Hex (spaces and newlines ignored) into out; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s && n < cap; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else
            continue;
        if (hi < 0)
            hi = v;
        else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

static int eq_hex(const uint8_t *p, size_t n, const char *hex)
{
    uint8_t want[2048];
    size_t k = unhex(hex, want, sizeof(want));
    return k == n && !memcmp(p, want, n);
}

typedef struct buf {
    uint8_t b[70000];
    size_t n;
} buf;

static void put8(buf *o, unsigned v) { if (o->n < sizeof(o->b)) o->b[o->n++] = (uint8_t)v; }
static void putn(buf *o, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(o, ((const uint8_t *)p)[i]);
}

/* RFC 9000 16 variable-length integer in exactly width bytes (1,2,4,8). */
static void putv_w(buf *o, uint64_t v, int width)
{
    static const unsigned tag[9] = { 0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0 };
    for (int i = width - 1; i >= 0; i--) {
        unsigned b = (unsigned)(v >> (8 * i)) & 0xff;
        put8(o, i == width - 1 ? (b | tag[width]) : b);
    }
}

static void putv(buf *o, uint64_t v)
{
    putv_w(o, v, v < 64 ? 1 : v < 16384 ? 2 : v < (1u << 30) ? 4 : 8);
}

static void crypto_frame(buf *o, uint64_t off, const uint8_t *p, size_t n)
{
    put8(o, 0x06);
    putv(o, off);
    putv(o, n);
    putn(o, p, n);
}

/* ---- a sender, written from RFC 9001 5.3/5.4 to build test packets ----- */

/* Protect one long-header Initial packet and append it to out: header with
 * Token Length 0 (or the token given), a 2- or 4-byte Length, pn_len bytes
 * of packet number; payload pl (padded with PADDING to the sample size). */
static void seal(buf *out, uint32_t ver, const uint8_t *dcid, size_t dcil,
                 const uint8_t *scid, size_t scil, uint64_t pn,
                 unsigned pn_len, const buf *pl, const dis_quic_keys *k)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t nonce[12], mask[16], pad[4] = { 0 };
    size_t start = out->n, pn_off, plen = pl->n;
    int n = 0;
    unsigned tb = ver == DIS_QUIC_V2 ? 1 : 0;

    if (plen + pn_len < 4)
        plen = 4 - pn_len;
    put8(out, 0xc0 | tb << 4 | (pn_len - 1));
    put8(out, ver >> 24);
    put8(out, ver >> 16);
    put8(out, ver >> 8);
    put8(out, ver);
    put8(out, (unsigned)dcil);
    putn(out, dcid, dcil);
    put8(out, (unsigned)scil);
    putn(out, scid, scil);
    put8(out, 0);                                   /* token length */
    size_t len = pn_len + plen + 16;
    putv_w(out, len, len < 16384 ? 2 : 4);
    pn_off = out->n;
    for (int i = (int)pn_len - 1; i >= 0; i--)
        put8(out, (unsigned)(pn >> (8 * i)));
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce);
    EVP_EncryptUpdate(c, NULL, &n, out->b + start, (int)(out->n - start));
    EVP_EncryptUpdate(c, out->b + out->n, &n, pl->b, (int)pl->n);
    out->n += (size_t)n;
    if (plen > pl->n) {
        EVP_EncryptUpdate(c, out->b + out->n, &n, pad, (int)(plen - pl->n));
        out->n += (size_t)n;
    }
    EVP_EncryptFinal_ex(c, out->b + out->n, &n);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out->b + out->n);
    out->n += 16;
    EVP_CIPHER_CTX_free(c);

    c = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, mask, &n, out->b + pn_off + 4, 16);
    EVP_CIPHER_CTX_free(c);
    out->b[start] ^= mask[0] & 0x0f;
    for (unsigned i = 0; i < pn_len; i++)
        out->b[pn_off + i] ^= mask[1 + i];
}

/* ---- a tiny ClientHello reader: the server_name (RFC 6066 3) ---------- */

static int ch_sni(const uint8_t *m, size_t n, char *out, size_t cap)
{
    dis_rd r, ch, ex;
    out[0] = '\0';
    dis_rd_init(&r, m, n);
    if (dis_rd_u8(&r) != 1)
        return -1;
    ch = dis_rd_sub(&r, dis_rd_be24(&r));
    dis_rd_skip(&ch, 2 + 32);                       /* version, random */
    dis_rd_skip(&ch, dis_rd_u8(&ch));               /* session id */
    dis_rd_skip(&ch, dis_rd_be16(&ch));             /* cipher suites */
    dis_rd_skip(&ch, dis_rd_u8(&ch));               /* compression */
    ex = dis_rd_sub(&ch, dis_rd_be16(&ch));
    while (dis_rd_ok(&ex) && dis_rd_left(&ex) >= 4) {
        uint16_t type = dis_rd_be16(&ex);
        dis_rd e = dis_rd_sub(&ex, dis_rd_be16(&ex));
        if (type != 0)
            continue;
        dis_rd_skip(&e, 2);                         /* list length */
        if (dis_rd_u8(&e) != 0)
            return -1;
        uint16_t k = dis_rd_be16(&e);
        const uint8_t *name = dis_rd_ptr(&e, k);
        if (!name || k >= cap)
            return -1;
        memcpy(out, name, k);
        out[k] = '\0';
        return 0;
    }
    return -1;
}

/* ---- RFC 9001 and RFC 9369 Appendix A --------------------------------- */

static const uint8_t rfc_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
static const uint8_t rfc_scid[8] = { 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5 };

/* The CRYPTO frame of the client Initial (identical in both RFCs). */
static const char *a2_crypto_frame =
    "060040f1010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a 00080006001d00170018001000070005"
    "04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408 050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806 048000ffff";

/* The ACK and CRYPTO frames of the server Initial (identical in both). */
static const char *a3_frames =
    "02000000000600405a020000560303ee fce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200 130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d10 81287c834d5311bcf32bb9da1a002b00"
    "020304";

/* RFC 9001 A.2, the protected client Initial (1200 bytes). */
static const char *v1_a2_packet =
    "c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934";

/* RFC 9001 A.3, the protected server Initial (135 bytes). */
static const char *v1_a3_packet =
    "cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee";

/* RFC 9001 A.4, a Retry answering A.2. */
static const char *v1_a4_retry =
    "ff000000010008f067a5502a4262b574 6f6b656e04a265ba2eff4d829058fb3f"
    "0f2496ba";

/* RFC 9369 A.2. */
static const char *v2_a2_packet =
    "d76b3343cf088394c8f03e5157080000 449ea0c95e82ffe67b6abcdb4298b485"
    "dd04de806071bf03dceebfa162e75d6c 96058bdbfb127cdfcbf903388e99ad04"
    "9f9a3dd4425ae4d0992cfff18ecf0fdb 5a842d09747052f17ac2053d21f57c5d"
    "250f2c4f0e0202b70785b7946e992e58 a59ac52dea6774d4f03b55545243cf1a"
    "12834e3f249a78d395e0d18f4d766004 f1a2674802a747eaa901c3f10cda5500"
    "cb9122faa9f1df66c392079a1b40f0de 1c6054196a11cbea40afb6ef5253cd68"
    "18f6625efce3b6def6ba7e4b37a40f77 32e093daa7d52190935b8da58976ff33"
    "12ae50b187c1433c0f028edcc4c2838b 6a9bfc226ca4b4530e7a4ccee1bfa2a3"
    "d396ae5a3fb512384b2fdd851f784a65 e03f2c4fbe11a53c7777c023462239dd"
    "6f7521a3f6c7d5dd3ec9b3f233773d4b 46d23cc375eb198c63301c21801f6520"
    "bcfb7966fc49b393f0061d974a2706df 8c4a9449f11d7f3d2dcbb90c6b877045"
    "636e7c0c0fe4eb0f697545460c806910 d2c355f1d253bc9d2452aaa549e27a1f"
    "ac7cf4ed77f322e8fa894b6a83810a34 b361901751a6f5eb65a0326e07de7c12"
    "16ccce2d0193f958bb3850a833f7ae43 2b65bc5a53975c155aa4bcb4f7b2c4e5"
    "4df16efaf6ddea94e2c50b4cd1dfe060 17e0e9d02900cffe1935e0491d77ffb4"
    "fdf85290fdd893d577b1131a610ef6a5 c32b2ee0293617a37cbb08b847741c3b"
    "8017c25ca9052ca1079d8b78aebd4787 6d330a30f6a8c6d61dd1ab5589329de7"
    "14d19d61370f8149748c72f132f0fc99 f34d766c6938597040d8f9e2bb522ff9"
    "9c63a344d6a2ae8aa8e51b7b90a4a806 105fcbca31506c446151adfeceb51b91"
    "abfe43960977c87471cf9ad4074d30e1 0d6a7f03c63bd5d4317f68ff325ba3bd"
    "80bf4dc8b52a0ba031758022eb025cdd 770b44d6d6cf0670f4e990b22347a7db"
    "848265e3e5eb72dfe8299ad7481a4083 22cac55786e52f633b2fb6b614eaed18"
    "d703dd84045a274ae8bfa73379661388 d6991fe39b0d93debb41700b41f90a15"
    "c4d526250235ddcd6776fc77bc97e7a4 17ebcb31600d01e57f32162a8560cacc"
    "7e27a096d37a1a86952ec71bd89a3e9a 30a2a26162984d7740f81193e8238e61"
    "f6b5b984d4d3dfa033c1bb7e4f0037fe bf406d91c0dccf32acf423cfa1e70710"
    "10d3f270121b493ce85054ef58bada42 310138fe081adb04e2bd901f2f13458b"
    "3d6758158197107c14ebb193230cd115 7380aa79cae1374a7c1e5bbcb80ee23e"
    "06ebfde206bfb0fcbc0edc4ebec30966 1bdd908d532eb0c6adc38b7ca7331dce"
    "8dfce39ab71e7c32d318d136b6100671 a1ae6a6600e3899f31f0eed19e3417d1"
    "34b90c9058f8632c798d4490da498730 7cba922d61c39805d072b589bd52fdf1"
    "e86215c2d54e6670e07383a27bbffb5a ddf47d66aa85a0c6f9f32e59d85a44dd"
    "5d3b22dc2be80919b490437ae4f36a0a e55edf1d0b5cb4e9a3ecabee93dfc6e3"
    "8d209d0fa6536d27a5d6fbb17641cde2 7525d61093f1b28072d111b2b4ae5f89"
    "d5974ee12e5cf7d5da4d6a31123041f3 3e61407e76cffcdcfd7e19ba58cf4b53"
    "6f4c4938ae79324dc402894b44faf8af bab35282ab659d13c93f70412e85cb19"
    "9a37ddec600545473cfb5a05e08d0b20 9973b2172b4d21fb69745a262ccde96b"
    "a18b2faa745b6fe189cf772a9f84cbfc";

/* RFC 9369 A.3. */
static const char *v2_a3_packet =
    "dc6b3343cf0008f067a5502a4262b500 4075d92faaf16f05d8a4398c47089698"
    "baeea26b91eb761d9b89237bbf872630 17915358230035f7fd3945d88965cf17"
    "f9af6e16886c61bfc703106fbaf3cb4c fa52382dd16a393e42757507698075b2"
    "c984c707f0a0812d8cd5a6881eaf21ce da98f4bd23f6fe1a3e2c43edd9ce7ca8"
    "4bed8521e2e140";

static buf pa, pb, pl;                  /* scratch packets and payloads */

static size_t load(buf *o, const char *hex)
{
    o->n = unhex(hex, o->b, sizeof(o->b));
    return o->n;
}

static int check_keys(uint32_t ver, int dir, const char *secret,
                      const char *key, const char *iv, const char *hp)
{
    dis_quic_keys k;
    if (dis_quic_initial_keys(ver, rfc_dcid, sizeof(rfc_dcid), dir, &k) != 0)
        return 0;
    return eq_hex(k.secret, 32, secret) && eq_hex(k.key, 16, key) &&
           eq_hex(k.iv, 12, iv) && eq_hex(k.hp, 16, hp);
}

TU_TEST(keys_v1_rfc9001_a1)
{
    TU_CHECK(check_keys(DIS_QUIC_V1, 0,
        "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
        "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c",
        "9f50449e04a0e810283a1e9933adedd2"));
    TU_CHECK(check_keys(DIS_QUIC_V1, 1,
        "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b",
        "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e",
        "c206b8d9b9f0f37644430b490eeaa314"));
}

TU_TEST(keys_v2_rfc9369_a1)
{
    TU_CHECK(check_keys(DIS_QUIC_V2, 0,
        "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b",
        "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f",
        "45b95e15235d6f45a6b19cbcb0294ba9"));
    TU_CHECK(check_keys(DIS_QUIC_V2, 1,
        "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1",
        "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652",
        "edf6d05c83121201b436e16877593c3a"));
}

TU_TEST(keys_bad_arguments)
{
    dis_quic_keys k;
    uint8_t cid[21] = { 1 };
    TU_CHECK_INT(dis_quic_initial_keys(0xdeadbeefu, rfc_dcid, 8, 0, &k), -1);
    TU_CHECK_INT(dis_quic_initial_keys(0, rfc_dcid, 8, 0, &k), -1);
    TU_CHECK_INT(dis_quic_initial_keys(DIS_QUIC_V1, cid, 0, 0, &k), -1);
    TU_CHECK_INT(dis_quic_initial_keys(DIS_QUIC_V1, cid, 21, 0, &k), -1);
    TU_CHECK_INT(dis_quic_initial_keys(DIS_QUIC_V1, cid, 20, 2, &k), -1);
    TU_CHECK_INT(dis_quic_initial_keys(DIS_QUIC_V1, NULL, 8, 0, &k), -1);
    TU_CHECK_INT(dis_quic_initial_keys(DIS_QUIC_V1, cid, 20, 1, &k), 0);
    TU_CHECK_INT(dis_quic_initial_keys(DIS_QUIC_DRAFT29, cid, 1, 0, &k), 0);
}

/* The RFC payloads as a sender would give them: frames, then PADDING. */
static void rfc_payload(buf *o, const char *frames, size_t pad_to)
{
    load(o, frames);
    while (o->n < pad_to)
        put8(o, 0);
}

/* The test sender reproduces the RFC's protected packets byte for byte, so
 * the packets it builds below are valid QUIC. */
TU_TEST(sender_matches_rfc_packets)
{
    dis_quic_keys kc, ks;
    uint32_t vers[2] = { DIS_QUIC_V1, DIS_QUIC_V2 };
    const char *a2[2] = { v1_a2_packet, v2_a2_packet };
    const char *a3[2] = { v1_a3_packet, v2_a3_packet };
    for (int v = 0; v < 2; v++) {
        TU_CHECK_INT(dis_quic_initial_keys(vers[v], rfc_dcid, 8, 0, &kc), 0);
        TU_CHECK_INT(dis_quic_initial_keys(vers[v], rfc_dcid, 8, 1, &ks), 0);
        rfc_payload(&pl, a2_crypto_frame, 1162);
        pa.n = 0;
        seal(&pa, vers[v], rfc_dcid, 8, NULL, 0, 2, 4, &pl, &kc);
        load(&pb, a2[v]);
        TU_CHECK_INT(pa.n, 1200);
        TU_CHECK(pa.n == pb.n && !memcmp(pa.b, pb.b, pa.n));
        rfc_payload(&pl, a3_frames, 0);
        pa.n = 0;
        seal(&pa, vers[v], NULL, 0, rfc_scid, 8, 1, 2, &pl, &ks);
        load(&pb, a3[v]);
        TU_CHECK_INT(pa.n, 135);
        TU_CHECK(pa.n == pb.n && !memcmp(pa.b, pb.b, pa.n));
    }
}

static void rfc_exchange(uint32_t ver, const char *a2, const char *a3)
{
    dis_quic *q = dis_quic_new();
    const uint8_t *s;
    size_t n;
    char sni[64];
    TU_CHECK(q != NULL);
    if (!q)
        return;
    load(&pa, a2);
    load(&pb, a3);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 1), 1);
    s = dis_quic_crypto(q, 0, &n);
    TU_CHECK_INT(n, 241);
    /* the stream is the data of the CRYPTO frame: skip "060040f1" */
    TU_CHECK(s && eq_hex(s, n, a2_crypto_frame + 8));
    TU_CHECK(s && ch_sni(s, n, sni, sizeof(sni)) == 0);
    TU_CHECK_STR(sni, "example.com");
    TU_CHECK_INT(dis_quic_version(q), ver);
    TU_CHECK_INT(dis_quic_is_quic(q), 1);
    TU_CHECK_INT(dis_quic_first_frame(q, 0), 1);
    TU_CHECK_INT(dis_quic_first_frame(q, 1), 0);
    TU_CHECK(dis_quic_crypto(q, 1, &n) == NULL && n == 0);
    TU_CHECK_INT(dis_quic_done(q), 0);
    TU_CHECK_INT(dis_quic_packet(q, 1, pb.b, pb.n, 2), 1);
    s = dis_quic_crypto(q, 1, &n);
    TU_CHECK_INT(n, 90);
    /* skip "02000000000600405a": ACK frame, CRYPTO type, offset, length */
    TU_CHECK(s && eq_hex(s, n, a3_frames + 18));
    TU_CHECK(s && s[0] == 2);
    TU_CHECK_INT(dis_quic_first_frame(q, 1), 2);
    TU_CHECK_INT(dis_quic_done(q), 1);
    /* done: further datagrams are ignored, the streams stay */
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 3), 0);
    s = dis_quic_crypto(q, 0, &n);
    TU_CHECK(s && n == 241 && s[0] == 1);
    dis_quic_free(q);
}

TU_TEST(rfc9001_client_and_server_initial)
{
    rfc_exchange(DIS_QUIC_V1, v1_a2_packet, v1_a3_packet);
}

TU_TEST(rfc9369_client_and_server_initial)
{
    rfc_exchange(DIS_QUIC_V2, v2_a2_packet, v2_a3_packet);
}

TU_TEST(server_first_is_undecryptable)
{
    /* Without the client's DCID the server Initial cannot be opened. */
    dis_quic *q = dis_quic_new();
    load(&pb, v1_a3_packet);
    TU_CHECK_INT(dis_quic_packet(q, 1, pb.b, pb.n, 1), 0);
    TU_CHECK_INT(dis_quic_is_quic(q), 0);
    TU_CHECK_INT(dis_quic_version(q), 0);
    dis_quic_free(q);
}

TU_TEST(truncated_at_every_length)
{
    load(&pa, v1_a2_packet);
    load(&pb, v1_a3_packet);
    for (size_t n = 0; n < pa.n; n++) {
        dis_quic *q = dis_quic_new();
        /* a copy of exactly n bytes, so ASan sees any overread */
        uint8_t *c = malloc(n ? n : 1);
        memcpy(c, pa.b, n);
        TU_CHECK_INT(dis_quic_packet(q, 0, c, n, 1), 0);
        TU_CHECK(dis_quic_crypto(q, 0, NULL) == NULL);
        TU_CHECK_INT(dis_quic_is_quic(q), 0);
        free(c);
        dis_quic_free(q);
    }
    for (size_t n = 0; n < pb.n; n++) {
        dis_quic *q = dis_quic_new();
        uint8_t *c = malloc(n ? n : 1);
        memcpy(c, pb.b, n);
        TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 1), 1);
        TU_CHECK_INT(dis_quic_packet(q, 1, c, n, 2), 0);
        TU_CHECK(dis_quic_crypto(q, 1, NULL) == NULL);
        free(c);
        dis_quic_free(q);
    }
}

TU_TEST(any_flipped_byte_is_rejected)
{
    load(&pa, v1_a2_packet);
    int bad = 0;
    for (size_t i = 0; i < pa.n; i++) {
        for (int m = 0; m < 2; m++) {
            dis_quic *q = dis_quic_new();
            uint8_t x = m ? 0x80 : 0x01;
            pa.b[i] ^= x;
            if (dis_quic_packet(q, 0, pa.b, pa.n, 1) != 0 ||
                dis_quic_crypto(q, 0, NULL) != NULL || dis_quic_is_quic(q))
                bad++;
            pa.b[i] ^= x;
            dis_quic_free(q);
        }
    }
    TU_CHECK_INT(bad, 0);
    /* and the untouched packet still opens */
    dis_quic *q = dis_quic_new();
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 1), 1);
    dis_quic_free(q);
}

/* A ClientHello of about size bytes naming host (the rest is filler in an
 * unknown extension). */
static void make_ch(buf *o, const char *host, size_t size)
{
    size_t hl = strlen(host), fill;
    o->n = 0;
    put8(o, 1);
    put8(o, 0);
    put8(o, 0);
    put8(o, 0);                                     /* length, fixed below */
    put8(o, 3);
    put8(o, 3);
    for (int i = 0; i < 32; i++)
        put8(o, i);
    put8(o, 0);                                     /* session id */
    put8(o, 0);
    put8(o, 2);
    put8(o, 0x13);
    put8(o, 0x01);
    put8(o, 1);
    put8(o, 0);
    size_t ext_at = o->n;
    put8(o, 0);
    put8(o, 0);
    fill = size > 80 + hl ? size - 80 - hl : 0;
    put8(o, 0xfa);                                  /* filler extension */
    put8(o, 0xce);
    put8(o, (unsigned)(fill >> 8));
    put8(o, (unsigned)fill);
    for (size_t i = 0; i < fill; i++)
        put8(o, (unsigned)(i * 7 + 3));
    put8(o, 0);                                     /* server_name */
    put8(o, 0);
    put8(o, (unsigned)(hl + 5) >> 8);
    put8(o, (unsigned)(hl + 5));
    put8(o, (unsigned)(hl + 3) >> 8);
    put8(o, (unsigned)(hl + 3));
    put8(o, 0);
    put8(o, (unsigned)hl >> 8);
    put8(o, (unsigned)hl);
    putn(o, host, hl);
    size_t el = o->n - ext_at - 2, ml = o->n - 4;
    o->b[ext_at] = (uint8_t)(el >> 8);
    o->b[ext_at + 1] = (uint8_t)el;
    o->b[1] = (uint8_t)(ml >> 16);
    o->b[2] = (uint8_t)(ml >> 8);
    o->b[3] = (uint8_t)ml;
}

static const uint8_t my_dcid[12] = { 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
                                     0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc };
static const uint8_t my_scid[5] = { 0x5c, 0x1d, 0x00, 0x01, 0x02 };

TU_TEST(crypto_out_of_order_overlapping_duplicated)
{
    static buf ch, junk;
    dis_quic_keys k;
    dis_quic *q = dis_quic_new();
    const uint8_t *s;
    size_t n;
    char sni[64];

    make_ch(&ch, "ooo.meet.example", 3000);
    TU_CHECK(ch.n > 2900 && ch.n < 3100);
    junk.n = 0;
    for (int i = 0; i < 4000; i++)
        put8(&junk, 0xee);
    dis_quic_initial_keys(DIS_QUIC_V1, my_dcid, sizeof(my_dcid), 0, &k);

    /* datagram 1: two frames past a gap, in reverse order */
    pl.n = 0;
    crypto_frame(&pl, 2500, ch.b + 2500, ch.n - 2500);
    crypto_frame(&pl, 1000, ch.b + 1000, 1000);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 0, 1, &pl, &k);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 10), 0);
    TU_CHECK(dis_quic_crypto(q, 0, &n) == NULL);
    TU_CHECK_INT(dis_quic_is_quic(q), 1);
    TU_CHECK_INT(dis_quic_first_frame(q, 0), 10);

    /* datagram 2: two coalesced Initials; the first fills [0,1100) with an
     * overlapping duplicate, the second sends junk over bytes already held
     * and the real bytes of the remaining hole [2000,2500) */
    pl.n = 0;
    crypto_frame(&pl, 500, ch.b + 500, 600);
    crypto_frame(&pl, 0, ch.b, 600);
    crypto_frame(&pl, 0, ch.b, 600);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 1, 1, &pl, &k);
    pl.n = 0;
    crypto_frame(&pl, 1500, junk.b, 500);
    crypto_frame(&pl, 2000, ch.b + 2000, 500);
    crypto_frame(&pl, 2400, junk.b, 500);
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 2, 2, &pl, &k);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 11), 1);
    s = dis_quic_crypto(q, 0, &n);
    TU_CHECK_INT(n, ch.n);
    TU_CHECK(s && n == ch.n && !memcmp(s, ch.b, n));
    TU_CHECK(s && ch_sni(s, n, sni, sizeof(sni)) == 0);
    TU_CHECK_STR(sni, "ooo.meet.example");
    TU_CHECK_INT(dis_quic_first_frame(q, 0), 10);
    /* a full retransmission changes nothing */
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 12), 0);
    TU_CHECK_INT(dis_quic_done(q), 0);      /* the server has said nothing */
    dis_quic_free(q);
}

/* One client packet carrying ch[off, off+n) with packet number pn encoded
 * in pn_len bytes; returns dis_quic_packet's result. */
static int send_chunk(dis_quic *q, const buf *ch, size_t off, size_t n,
                      uint64_t pn, unsigned pn_len, const dis_quic_keys *k,
                      uint64_t frame)
{
    pl.n = 0;
    crypto_frame(&pl, off, ch->b + off, n);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, pn, pn_len, &pl, k);
    return dis_quic_packet(q, 0, pa.b, pa.n, frame);
}

TU_TEST(packet_number_reconstruction)
{
    static buf ch;
    dis_quic_keys k;
    dis_quic *q = dis_quic_new();
    size_t n;
    make_ch(&ch, "pn.example", 600);
    dis_quic_initial_keys(DIS_QUIC_V1, my_dcid, 12, 0, &k);
    /* RFC 9000 A.3: largest 0xa82f30ea, 16-bit 0x9b32 -> 0xa82f9b32 */
    TU_CHECK_INT(send_chunk(q, &ch, 0, 100, 0xa82f30eaull, 4, &k, 1), 1);
    TU_CHECK_INT(send_chunk(q, &ch, 100, 100, 0xa82f9b32ull, 2, &k, 2), 1);
    /* 8-bit: 0x...9b90 then a wrap to 0x...9c01 */
    TU_CHECK_INT(send_chunk(q, &ch, 200, 100, 0xa82f9b90ull, 1, &k, 3), 1);
    TU_CHECK_INT(send_chunk(q, &ch, 300, 100, 0xa82f9c01ull, 1, &k, 4), 1);
    /* a number far outside the window decodes wrongly and cannot open */
    TU_CHECK_INT(send_chunk(q, &ch, 400, 100, 0xa8300001ull, 1, &k, 5), 0);
    TU_CHECK(dis_quic_crypto(q, 0, &n) && n == 400);
    dis_quic_free(q);
}

TU_TEST(frames_ack_close_ping_and_unknown)
{
    static buf ch;
    dis_quic_keys k;
    dis_quic *q = dis_quic_new();
    size_t n;
    make_ch(&ch, "frames.example", 300);
    dis_quic_initial_keys(DIS_QUIC_V1, my_dcid, 12, 0, &k);
    pl.n = 0;
    put8(&pl, 0x01);                                /* PING */
    put8(&pl, 0x03);                                /* ACK_ECN */
    putv(&pl, 1000);
    putv(&pl, 25);
    putv(&pl, 2);                                   /* two more ranges */
    putv(&pl, 3);
    putv(&pl, 1);
    putv(&pl, 4);
    putv(&pl, 70000);
    putv(&pl, 5);
    putv(&pl, 1);
    putv(&pl, 2);
    putv(&pl, 3);
    put8(&pl, 0x02);                                /* ACK */
    putv(&pl, 7);
    putv(&pl, 0);
    putv(&pl, 0);
    putv(&pl, 7);
    put8(&pl, 0x1c);                                /* CONNECTION_CLOSE */
    putv(&pl, 0x0a);
    putv(&pl, 0x06);
    putv(&pl, 5);
    putn(&pl, "bye!!", 5);
    put8(&pl, 0x00);
    put8(&pl, 0x00);
    crypto_frame(&pl, 0, ch.b, 150);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 0, 1, &pl, &k);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 1), 1);
    TU_CHECK(dis_quic_crypto(q, 0, &n) && n == 150);

    /* a STREAM frame (not allowed in Initial) stops the walk */
    pl.n = 0;
    put8(&pl, 0x08);
    putv(&pl, 0);
    crypto_frame(&pl, 150, ch.b + 150, ch.n - 150);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 1, 1, &pl, &k);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 2), 0);
    /* an ACK claiming 2^62-1 ranges runs out of bytes and stops */
    pl.n = 0;
    put8(&pl, 0x02);
    putv(&pl, 5);
    putv(&pl, 0);
    putv_w(&pl, 0x3fffffffffffffffull, 8);
    putv(&pl, 0);
    crypto_frame(&pl, 150, ch.b + 150, ch.n - 150);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 2, 1, &pl, &k);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 3), 0);
    /* a CRYPTO frame longer than the packet is dropped */
    pl.n = 0;
    put8(&pl, 0x06);
    putv(&pl, 150);
    putv(&pl, 5000);
    putn(&pl, ch.b + 150, ch.n - 150);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 3, 1, &pl, &k);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 4), 0);
    TU_CHECK(dis_quic_crypto(q, 0, &n) && n == 150);
    /* the same data in a well-formed frame completes the hello */
    TU_CHECK_INT(send_chunk(q, &ch, 150, ch.n - 150, 4, 1, &k, 5), 1);
    TU_CHECK(dis_quic_crypto(q, 0, &n) && n == ch.n);
    dis_quic_free(q);
}

TU_TEST(stream_bound_64k)
{
    static buf big;
    dis_quic_keys k;
    dis_quic *q = dis_quic_new();
    const uint8_t *s;
    size_t n;
    big.n = 0;
    put8(&big, 1);
    put8(&big, 0xff);
    put8(&big, 0xff);
    put8(&big, 0xff);                               /* never complete */
    while (big.n < 50000)
        put8(&big, (unsigned)(big.n * 13));
    dis_quic_initial_keys(DIS_QUIC_V1, my_dcid, 12, 0, &k);
    TU_CHECK_INT(send_chunk(q, &big, 0, 40000, 0, 2, &k, 1), 1);
    /* [40000, 80000): only up to 65536 is kept */
    pl.n = 0;
    crypto_frame(&pl, 40000, big.b, 40000);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 1, 2, &pl, &k);
    TU_CHECK(pa.n > 40000 && pa.n < 65535);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 2), 1);
    s = dis_quic_crypto(q, 0, &n);
    TU_CHECK_INT(n, DIS_QUIC_STREAM_MAX);
    TU_CHECK(s && !memcmp(s, big.b, 40000) &&
             !memcmp(s + 40000, big.b, DIS_QUIC_STREAM_MAX - 40000));
    dis_quic_free(q);

    /* offsets at and far past the bound: nothing kept, nothing read */
    q = dis_quic_new();
    pl.n = 0;
    crypto_frame(&pl, DIS_QUIC_STREAM_MAX, big.b, 100);
    crypto_frame(&pl, 0x3fffffffffffff00ull, big.b, 200);
    crypto_frame(&pl, DIS_QUIC_STREAM_MAX - 10, big.b, 100);
    pa.n = 0;
    seal(&pa, DIS_QUIC_V1, my_dcid, 12, my_scid, 5, 0, 1, &pl, &k);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 1), 0);
    TU_CHECK(dis_quic_crypto(q, 0, &n) == NULL && n == 0);
    TU_CHECK_INT(dis_quic_is_quic(q), 1);
    TU_CHECK_INT(dis_quic_first_frame(q, 0), 1);    /* 10 bytes were kept */
    dis_quic_free(q);
}

TU_TEST(retry_then_new_keys)
{
    static buf ch, sh;
    dis_quic_keys kc, kc2, ks2;
    const uint8_t *s;
    size_t n;
    make_ch(&ch, "retry.example", 400);
    sh.n = 0;
    put8(&sh, 2);
    put8(&sh, 0);
    put8(&sh, 0);
    put8(&sh, 40);
    for (int i = 0; i < 40; i++)
        put8(&sh, i);
    dis_quic_initial_keys(DIS_QUIC_V1, rfc_dcid, 8, 0, &kc);
    dis_quic_initial_keys(DIS_QUIC_V1, rfc_scid, 8, 0, &kc2);
    dis_quic_initial_keys(DIS_QUIC_V1, rfc_scid, 8, 1, &ks2);

    for (int variant = 0; variant < 3; variant++) {
        dis_quic *q = dis_quic_new();
        uint64_t fr = 0;
        /* first Initial to rfc_dcid, then the RFC 9001 A.4 Retry whose
         * SCID is rfc_scid (variant 2: the Retry is not captured) */
        pl.n = 0;
        crypto_frame(&pl, 0, ch.b, 200);
        pa.n = 0;
        seal(&pa, DIS_QUIC_V1, rfc_dcid, 8, my_scid, 5, 0, 1, &pl, &kc);
        TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, ++fr), 1);
        if (variant != 2) {
            load(&pb, v1_a4_retry);
            TU_CHECK_INT(dis_quic_packet(q, 1, pb.b, pb.n, ++fr), 0);
        }
        if (variant != 1) {
            /* the client restarts towards the Retry's CID */
            pl.n = 0;
            crypto_frame(&pl, 0, ch.b, ch.n);
            pa.n = 0;
            seal(&pa, DIS_QUIC_V1, rfc_scid, 8, my_scid, 5, 1, 1, &pl, &kc2);
            TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, ++fr), 1);
        }
        /* the server answers under the new keys (variant 1: the client's
         * restarted Initial was not captured) */
        pl.n = 0;
        crypto_frame(&pl, 0, sh.b, sh.n);
        pa.n = 0;
        seal(&pa, DIS_QUIC_V1, my_scid, 5, rfc_dcid, 8, 0, 1, &pl, &ks2);
        TU_CHECK_INT(dis_quic_packet(q, 1, pa.b, pa.n, ++fr), 1);
        s = dis_quic_crypto(q, 1, &n);
        TU_CHECK(s && n == sh.n && s[0] == 2);
        s = dis_quic_crypto(q, 0, &n);
        TU_CHECK_INT(n, variant == 1 ? 200 : ch.n);
        dis_quic_free(q);
    }
}

/* xorshift64: reproducible garbage */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint8_t rnd8(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)rng;
}

TU_TEST(garbage_version_negotiation_and_budget)
{
    static const uint32_t vers[] = { DIS_QUIC_V1, DIS_QUIC_V2, DIS_QUIC_DRAFT29,
                                     0xff00001cu, 0, 0x51303530u };
    /* Version Negotiation: version 0 and a list of versions */
    dis_quic *q = dis_quic_new();
    const uint8_t vn[] = { 0x80, 0, 0, 0, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0, 1,
                           0x6b, 0x33, 0x43, 0xcf };
    TU_CHECK_INT(dis_quic_packet(q, 1, vn, sizeof(vn), 1), 0);
    dis_quic_free(q);

    for (int round = 0; round < 3000; round++) {
        size_t len = rnd8() | (size_t)(rnd8() & 7) << 8;
        uint8_t *g = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            g[i] = rnd8();
        if (len >= 7 && (round & 1)) {              /* a plausible header */
            uint32_t v = vers[round % 6];
            g[0] |= 0xc0;
            g[1] = (uint8_t)(v >> 24);
            g[2] = (uint8_t)(v >> 16);
            g[3] = (uint8_t)(v >> 8);
            g[4] = (uint8_t)v;
            g[5] &= 0x0f;
        }
        q = dis_quic_new();
        TU_CHECK_INT(dis_quic_packet(q, round & 1 ? 1 : 0, g, len, 1), 0);
        TU_CHECK_INT(dis_quic_is_quic(q), 0);
        dis_quic_free(q);
        free(g);
    }

    /* budget: 7 junk datagrams leave room for the real Initial ... */
    load(&pa, v1_a2_packet);
    q = dis_quic_new();
    for (int i = 0; i < DIS_QUIC_DGRAM_BUDGET - 1; i++)
        TU_CHECK_INT(dis_quic_packet(q, 0, vn, sizeof(vn), (uint64_t)i + 1), 0);
    TU_CHECK_INT(dis_quic_done(q), 0);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 8), 1);
    dis_quic_free(q);
    /* ... 8 do not, and with no client Initial the flow is done */
    q = dis_quic_new();
    for (int i = 0; i < DIS_QUIC_DGRAM_BUDGET; i++)
        TU_CHECK_INT(dis_quic_packet(q, 0, vn, sizeof(vn), (uint64_t)i + 1), 0);
    TU_CHECK_INT(dis_quic_done(q), 1);
    TU_CHECK_INT(dis_quic_packet(q, 0, pa.b, pa.n, 9), 0);
    TU_CHECK(dis_quic_crypto(q, 0, NULL) == NULL);
    dis_quic_free(q);
}

TU_TEST(coalesced_with_other_packet_types)
{
    dis_quic *q = dis_quic_new();
    static buf d;
    size_t n;
    /* client: a 0-RTT packet (Length 30), then the RFC Initial */
    d.n = 0;
    put8(&d, 0xd0);
    putn(&d, "\x00\x00\x00\x01", 4);
    put8(&d, 8);
    putn(&d, rfc_dcid, 8);
    put8(&d, 0);
    putv_w(&d, 30, 2);
    for (int i = 0; i < 30; i++)
        put8(&d, 0xab);
    load(&pa, v1_a2_packet);
    putn(&d, pa.b, pa.n);
    TU_CHECK_INT(dis_quic_packet(q, 0, d.b, d.n, 1), 1);
    /* server: the RFC Initial, a Handshake packet, then zero padding */
    d.n = 0;
    load(&pb, v1_a3_packet);
    putn(&d, pb.b, pb.n);
    put8(&d, 0xe1);
    putn(&d, "\x00\x00\x00\x01", 4);
    put8(&d, 0);
    put8(&d, 8);
    putn(&d, rfc_scid, 8);
    putv_w(&d, 40, 2);
    for (int i = 0; i < 40; i++)
        put8(&d, 0xcd);
    for (int i = 0; i < 300; i++)
        put8(&d, 0);
    TU_CHECK_INT(dis_quic_packet(q, 1, d.b, d.n, 2), 1);
    TU_CHECK(dis_quic_crypto(q, 1, &n) && n == 90);
    dis_quic_free(q);
}

TU_TEST(null_and_bad_arguments)
{
    size_t n = 7;
    dis_quic *q = dis_quic_new();
    dis_quic_free(NULL);
    TU_CHECK_INT(dis_quic_packet(NULL, 0, NULL, 0, 1), 0);
    TU_CHECK_INT(dis_quic_packet(q, 2, NULL, 0, 1), 0);
    TU_CHECK_INT(dis_quic_packet(q, -1, NULL, 0, 1), 0);
    TU_CHECK_INT(dis_quic_packet(q, 0, NULL, 100, 1), 0);
    TU_CHECK(dis_quic_crypto(NULL, 0, &n) == NULL && n == 0);
    TU_CHECK(dis_quic_crypto(q, 5, &n) == NULL && n == 0);
    TU_CHECK_INT(dis_quic_version(NULL), 0);
    TU_CHECK_INT(dis_quic_is_quic(NULL), 0);
    TU_CHECK_INT(dis_quic_done(NULL), 0);
    TU_CHECK_INT(dis_quic_first_frame(q, 3), 0);
    dis_quic_free(q);
}

/* ---- the fixtures ----------------------------------------------------- */

#define MAXFL 64

typedef struct tflow {
    uint8_t ipver;
    uint8_t cli[16], srv[16];
    uint16_t cport, sport;
    dis_quic *q;
    int grew[2];                /* datagrams that made each stream grow */
    uint64_t last_grew[2];
} tflow;

/* Feed every UDP datagram of a capture to one dis_quic per flow; the
 * client is the side that sent the flow's first datagram.  Returns the
 * number of flows, -1 when the file cannot be read. */
static int run_pcap(const char *path, tflow *fl)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *pc = pcap_open_offline(path, err);
    int nfl = 0, dlt;
    uint64_t frame = 0;
    if (!pc)
        return -1;
    dlt = pcap_datalink(pc);
    memset(fl, 0, sizeof(*fl) * MAXFL);
    while (pcap_next_ex(pc, &h, &data) == 1) {
        dis_pkt p;
        int dir = -1, i;
        size_t al;
        frame++;
        if (dis_decode(dlt, data, h->caplen, &p) != DIS_OK || p.l4 != 17 ||
            !p.has_ports)
            continue;
        al = p.ipver == 6 ? 16 : 4;
        for (i = 0; i < nfl && dir < 0; i++) {
            tflow *f = &fl[i];
            if (f->ipver != p.ipver)
                continue;
            if (!memcmp(f->cli, p.src, al) && !memcmp(f->srv, p.dst, al) &&
                f->cport == p.sport && f->sport == p.dport)
                dir = 0;
            else if (!memcmp(f->cli, p.dst, al) && !memcmp(f->srv, p.src, al)
                     && f->cport == p.dport && f->sport == p.sport)
                dir = 1;
        }
        if (dir >= 0)
            i--;
        else if (nfl < MAXFL) {
            tflow *f = &fl[nfl];
            i = nfl++;
            f->ipver = p.ipver;
            memcpy(f->cli, p.src, al);
            memcpy(f->srv, p.dst, al);
            f->cport = p.sport;
            f->sport = p.dport;
            f->q = dis_quic_new();
            dir = 0;
        } else
            continue;
        if (dis_quic_packet(fl[i].q, dir, p.payload, p.payload_len, frame) == 1) {
            fl[i].grew[dir]++;
            fl[i].last_grew[dir] = frame;
        }
    }
    pcap_close(pc);
    return nfl;
}

static void free_flows(tflow *fl, int n)
{
    for (int i = 0; i < n; i++)
        dis_quic_free(fl[i].q);
}

static tflow *flow_by_port(tflow *fl, int n, uint16_t sport)
{
    for (int i = 0; i < n; i++)
        if (fl[i].sport == sport)
            return &fl[i];
    return NULL;
}

/* Check one flow: version, SNI of a complete ClientHello, a complete
 * server message of type 2, the frames where both began. */
static void check_flow(const tflow *f, uint32_t ver, const char *sni,
                       uint64_t cframe, uint64_t sframe, size_t ch_len,
                       size_t sh_len)
{
    const uint8_t *s;
    size_t n;
    char name[256];
    TU_CHECK(f != NULL);
    if (!f)
        return;
    TU_CHECK_INT(dis_quic_is_quic(f->q), 1);
    TU_CHECK_INT(dis_quic_version(f->q), ver);
    s = dis_quic_crypto(f->q, 0, &n);
    TU_CHECK_INT(n, ch_len);
    TU_CHECK(s && n >= 4 && s[0] == 1 &&
             4 + ((size_t)s[1] << 16 | (size_t)s[2] << 8 | s[3]) == ch_len);
    TU_CHECK(s && ch_sni(s, n, name, sizeof(name)) == 0);
    TU_CHECK_STR(name, sni);
    s = dis_quic_crypto(f->q, 1, &n);
    TU_CHECK_INT(n, sh_len);
    TU_CHECK(s && n >= 4 && s[0] == 2 &&
             4 + ((size_t)s[1] << 16 | (size_t)s[2] << 8 | s[3]) == sh_len);
    TU_CHECK_INT(dis_quic_first_frame(f->q, 0), cframe);
    TU_CHECK_INT(dis_quic_first_frame(f->q, 1), sframe);
    TU_CHECK_INT(dis_quic_done(f->q), 1);
}

/* tshark -r pcaps/google_meet.pcapng -Y quic -T fields -e frame.number
 *   -e quic.version -e tls.handshake.type -e tls.handshake.length
 *   -e tls.handshake.extensions_server_name
 * 7 0x00000001 1 536 meet.google.com;  8 0x00000001 2 86.
 * Chromium puts CRYPTO [505,540) before [0,505) in frame 7. */
TU_TEST(pcap_google_meet)
{
    static tflow fl[MAXFL];
    int n = run_pcap("pcaps/google_meet.pcapng", fl);
    TU_CHECK_INT(n, 1);
    if (n < 1)
        return;
    check_flow(flow_by_port(fl, n, 443), DIS_QUIC_V1, "meet.google.com", 7, 8,
               540, 90);
    TU_CHECK_INT(fl[0].grew[0], 1);
    TU_CHECK_INT(fl[0].last_grew[0], 7);
    TU_CHECK_INT(fl[0].last_grew[1], 8);
    free_flows(fl, n);
}

/* tshark: flow [::1]:60459 -> [::1]:4443 is draft-28 (0xff00001c), frame 1
 * ClientHello 424 "abcd" (Initial coalesced with 0-RTT), frame 2
 * ServerHello 125; flow 51972 -> 443 is v1, 0-RTT packets in frames 3-4,
 * frame 5 ClientHello 607 ssl.gstatic.com in ten out-of-order CRYPTO
 * frames, frame 6 ServerHello 92. */
TU_TEST(pcap_quic_0rtt)
{
    static tflow fl[MAXFL];
    int n = run_pcap("pcaps/quic_0RTT.pcap", fl);
    TU_CHECK_INT(n, 2);
    if (n < 2)
        return;
    check_flow(flow_by_port(fl, n, 4443), 0xff00001cu, "abcd", 1, 2, 428, 129);
    check_flow(flow_by_port(fl, n, 443), DIS_QUIC_V1, "ssl.gstatic.com", 5, 6,
               611, 96);
    free_flows(fl, n);
}

/* tshark: draft-29; frame 1 Initial DCID f36e07bf... ClientHello 297
 * "localhost"; frame 2 Retry (SCID 2e9a32ed...); frame 3 the ClientHello
 * again under keys from 2e9a32ed...; frame 4 server Initial, a
 * HelloRetryRequest (type 2, length 52); frame 5 second ClientHello at
 * offset 301 (not read: both first messages are complete by then). */
TU_TEST(pcap_quic_29_retry)
{
    static tflow fl[MAXFL];
    int n = run_pcap("pcaps/quic-29.pcap", fl);
    TU_CHECK_INT(n, 1);
    if (n < 1)
        return;
    check_flow(flow_by_port(fl, n, 443), DIS_QUIC_DRAFT29, "localhost", 1, 4,
               301, 56);
    free_flows(fl, n);
}

/* UDP flows that are not IETF QUIC (tshark -Y quic shows nothing): Google
 * QUIC, STUN, DTLS, RTP, Teams and Zoom media, and a lone fragment of a
 * fuzzed QUIC packet.  None may open.  The flow counts are lower bounds
 * (tshark -z conv,udp also counts UDP quoted inside ICMP errors). */
TU_TEST(pcap_other_udp_never_opens)
{
    static const struct { const char *path; int min_flows; } f[] = {
        { "pcaps/http_ipv6.pcap", 2 },          /* gQUIC Q0xx */
        { "pcaps/stun_zoom.pcapng", 2 },
        { "pcaps/teams.pcap", 30 },
        { "pcaps/zoom.pcap", 15 },
        { "pcaps/dtls_certificate.pcapng", 1 },
        { "pcaps/quic-fuzz-overflow.pcapng", 0 },
    };
    static tflow fl[MAXFL];
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        int n = run_pcap(f[i].path, fl);
        TU_CHECK(n >= 0);
        if (n < f[i].min_flows)
            TU_FAILF("%s: %d flows, expected >= %d", f[i].path, n,
                     f[i].min_flows);
        for (int j = 0; j < n; j++) {
            if (dis_quic_is_quic(fl[j].q) || dis_quic_crypto(fl[j].q, 0, NULL)
                || dis_quic_crypto(fl[j].q, 1, NULL))
                TU_FAILF("%s: flow %d opened as QUIC", f[i].path, j);
        }
        free_flows(fl, n);
    }
}

int main(void)
{
    TU_RUN(keys_v1_rfc9001_a1);
    TU_RUN(keys_v2_rfc9369_a1);
    TU_RUN(keys_bad_arguments);
    TU_RUN(sender_matches_rfc_packets);
    TU_RUN(rfc9001_client_and_server_initial);
    TU_RUN(rfc9369_client_and_server_initial);
    TU_RUN(server_first_is_undecryptable);
    TU_RUN(truncated_at_every_length);
    TU_RUN(any_flipped_byte_is_rejected);
    TU_RUN(crypto_out_of_order_overlapping_duplicated);
    TU_RUN(packet_number_reconstruction);
    TU_RUN(frames_ack_close_ping_and_unknown);
    TU_RUN(stream_bound_64k);
    TU_RUN(retry_then_new_keys);
    TU_RUN(garbage_version_negotiation_and_budget);
    TU_RUN(coalesced_with_other_packet_types);
    TU_RUN(null_and_bad_arguments);
    TU_RUN(pcap_google_meet);
    TU_RUN(pcap_quic_0rtt);
    TU_RUN(pcap_quic_29_retry);
    TU_RUN(pcap_other_udp_never_opens);
    return tu_finish();
}
