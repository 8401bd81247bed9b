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
