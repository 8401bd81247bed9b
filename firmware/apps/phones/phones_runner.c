/* The phone model run hop by hop; see phones_runner.h. */
#include "apps/phones/phones_runner.h"

#include <string.h>

const char *phones_runner_init(phones_runner_t *m, h7nn_interpreter *nn, void *state, size_t state_bytes)
{
    memset(m, 0, sizeof(*m));
    m->nn = nn;
    size_t one = h7nn_stream_state_bytes(nn, PHONES_STREAM_PHASES);
    if (one == 0)
        return NULL; /* the engine cannot stream it: full windows */
    one = H7NN_ALIGN8(one);
    if (!state || ((uintptr_t)state & 7u) || state_bytes < PHONES_STREAM_PHASES * one)
        return "the model's stream states do not fit PHONES_STREAM_STATE_BYTES (phones_config.h)";
    for (int k = 0; k < PHONES_STREAM_PHASES; k++)
        if (h7nn_stream_init(&m->stream[k], nn, PHONES_STREAM_PHASES, (uint8_t *)state + (size_t)k * one, one) !=
            H7NN_OK)
            return h7nn_error(nn);
    m->streams = 1;
    return NULL;
}

const int8_t *phones_runner_run(phones_runner_t *m, int restart)
{
    h7nn_status s;
    if (!m->streams) {
        s = h7nn_invoke(m->nn);
        m->full_runs++;
    } else {
        if (restart) {
            m->runs = 0;
            for (int k = 0; k < PHONES_STREAM_PHASES; k++)
                h7nn_stream_reset(&m->stream[k]);
        }
        /* each parity's previous window is two frames back: its stream's hop */
        h7nn_stream *st = &m->stream[m->runs % PHONES_STREAM_PHASES];
        const uint32_t before = st->hops;
        s = h7nn_stream_invoke(st);
        m->runs++;
        if (s == H7NN_OK && st->hops > before)
            m->streamed_runs++;
        else
            m->full_runs++;
    }
    if (s != H7NN_OK)
        return NULL;
    h7nn_tensor out;
    h7nn_output(m->nn, 0, &out);
    return (const int8_t *)out.data;
}
