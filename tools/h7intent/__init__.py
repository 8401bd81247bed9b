"""h7intent: voice commands and wake phrases written as text, decoded by the C decoder
(firmware/speech/decoder through tools/h7speech) on the phone model's C scores
(tools/h7phones.acoustic). See README.md."""
