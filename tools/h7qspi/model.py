"""The > 2 MB model of the QSPI benchmark: a wide int8 convolution stack made by
TensorFlow's converter (full-int8 post-training quantization of a Keras model with seeded
random weights and a seeded representative dataset).

    input [1, 4, 4, 16] -> CONV_2D 3x3 16->160 (ReLU) -> 10 x CONV_2D 3x3 160->160 (ReLU)
    -> AVERAGE_POOL_2D 4x4 -> FULLY_CONNECTED 160->12

2.33 MB of weights (each 160->160 layer 230,400 B), 37.2 M MACs: every weight is used 16
times (4 x 4 pixels), so computing a layer takes longer than reading it from a quad-SPI
flash at 120 MHz and a prefetch can hide the flash. Its layers are small enough for two
SRAM buffers (2 x 230 KB in AXI SRAM).

    PYTHONPATH=tools python -m h7qspi.model [OUT.tflite]   (default firmware/apps/qspi_bench/qspi_wide.tflite)"""
import os
import sys

from h7data.wavio import atomic_write_bytes
from h7nn.convert import int8_tflite
from h7voice.paths import TOP

DEFAULT = os.path.join(TOP, 'firmware', 'apps', 'qspi_bench', 'qspi_wide.tflite')
SEED = 18
SHAPE = (4, 4, 16)
WIDTH, LAYERS, CLASSES = 160, 10, 12


def build(path=DEFAULT):
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import numpy as np
    import keras
    keras.utils.set_random_seed(SEED)
    x = inp = keras.Input(shape=SHAPE, batch_size=1)
    x = keras.layers.Conv2D(WIDTH, 3, padding='same', activation='relu')(x)
    for _ in range(LAYERS):
        # He-like scale keeps activations alive through the stack
        x = keras.layers.Conv2D(WIDTH, 3, padding='same', activation='relu',
                                kernel_initializer=keras.initializers.RandomNormal(stddev=(2 / (9 * WIDTH)) ** 0.5),
                                bias_initializer=keras.initializers.RandomUniform(-0.05, 0.05))(x)
    x = keras.layers.AveragePooling2D(pool_size=SHAPE[:2])(x)
    x = keras.layers.Reshape((WIDTH,))(x)
    x = keras.layers.Dense(CLASSES)(x)
    model = keras.Model(inp, x)
    rng = np.random.default_rng(SEED)

    def representative():
        for _ in range(32):
            yield [rng.uniform(-1, 1, size=(1,) + SHAPE).astype(np.float32)]

    atomic_write_bytes(path, int8_tflite(model, representative))
    return path


if __name__ == '__main__':
    print(build(sys.argv[1] if len(sys.argv) > 1 else DEFAULT))
