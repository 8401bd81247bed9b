/* The model's integrity check at boot: CRC-32 (IEEE 802.3, reflected, as zlib.crc32) of the
 * model bytes, compared with the value the embed step stored in the generated record. A
 * nibble table keeps it at 64 bytes of flash. */
#include "engine/h7nn.h"

static const uint32_t nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t h7nn_crc32_update(uint32_t crc, const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
    crc ^= 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ nibble[crc & 15u];
        crc = (crc >> 4) ^ nibble[crc & 15u];
    }
    return crc ^ 0xFFFFFFFFu;
}

uint32_t h7nn_crc32(const void *data, size_t size) { return h7nn_crc32_update(0, data, size); }

h7nn_status h7nn_model_verify_crc(const void *model, size_t size, uint32_t expected) {
    if (!model) return H7NN_ERR_ARGUMENT;
    return h7nn_crc32(model, size) == expected ? H7NN_OK : H7NN_ERR_MODEL;
}

/* (setup, issue 18) The checked record's digest (h7nn_interpreter.c): per word h = (w ^ rot(h))
 * * K, two instructions a word on the M7 (EOR with a rotated operand, MUL), where the nibble CRC
 * above takes ~44: h7nn_init hashes ~9 k words of VWW's record, model bytes and plan. The
 * rotation carries every bit (the top ones too) into the next multiply, so a change of any one
 * word always changes the result (every step is one to one in the word and in h); other
 * changes are missed only by chance (32 bits). It detects corruption, not a deliberate forgery. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* The M7: 8 words per pass, one LDM then EOR (rotated operand) + MUL each: 19 instructions per
 * 8 words (gcc's loop took 17 per 4). r0 = h, r1 = words, r2 = passes (>= 1); returns h. */
uint32_t h7nn_digest_words8(uint32_t h, const uint32_t *w, size_t passes);
#define H7NN_DIGEST_STEP(r) "  eor " r ", " r ", r0, ror #27\n  mul r0, " r ", r12\n"
__asm__(
    "  .pushsection .text.h7nn_digest_words8,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_digest_words8\n"
    "  .type h7nn_digest_words8, %function\n"
    "  .thumb_func\n"
    "h7nn_digest_words8:\n"
    "  push {r4-r11}\n"
    "  movw r12, #0x79B1\n"
    "  movt r12, #0x9E37\n"
    "1:\n"
    "  ldmia r1!, {r4-r11}\n"
    H7NN_DIGEST_STEP("r4") H7NN_DIGEST_STEP("r5") H7NN_DIGEST_STEP("r6") H7NN_DIGEST_STEP("r7")
    H7NN_DIGEST_STEP("r8") H7NN_DIGEST_STEP("r9") H7NN_DIGEST_STEP("r10") H7NN_DIGEST_STEP("r11")
    "  subs r2, r2, #1\n"
    "  bne 1b\n"
    "  pop {r4-r11}\n"
    "  bx lr\n"
    "  .size h7nn_digest_words8, .-h7nn_digest_words8\n"
    "  .popsection\n");
#endif

uint32_t h7nn_digest_words(uint32_t h, const uint32_t *w, size_t n) {
    const uint32_t k = 0x9E3779B1u;
    size_t i = 0;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (n >= 8u) h = h7nn_digest_words8(h, w, n / 8u), i = n & ~(size_t)7u;
#endif
    for (; i < n; i++) h = (w[i] ^ (h >> 27 | h << 5)) * k;
    return h;
}
