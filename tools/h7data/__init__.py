"""h7data: synthetic speech data for h7voice keyword spotting.

Speech comes from TTS engines available from Debian (espeak-ng in-process with word
timings, flite's voices, festival as an engine held out of training), is augmented
(speed, pitch, formant warp, room reverb, noise, gain, shift) deterministically from a
seed and cached outside git. See README.md.
"""
