*** Settings ***
Documentation     Audio reaches memory intact through SPI2/I2S2 and DMA1 (h7sim's audio_test image:
...               I2S master receive at 16 kHz, DMA1 stream 0 via DMAMUX1 request 39, circular, HT/TC).
Resource          resources/platform.resource
Suite Teardown    Stop Board

*** Variables ***
${TONE}           ${OUTPUT DIR}/tone_16k.wav
${CAPTURE}        0x24000000

*** Test Cases ***
One Second Of Audio Arrives Intact
    Write Test Tone    ${TONE}    seconds=1.2
    Start Board    fixture:audio_test
    Play Audio    ${TONE}
    Run For    1.0
    Command Should Answer    status    audio
    Memory Should Hold Audio    ${CAPTURE}    ${TONE}    16000
    ${audio}=    Audio Summary
    Should Be Equal As Integers    ${audio}[frames_dropped]    0
    Should Be Equal As Integers    ${audio}[half_buffers_late]    0
    Should Be Equal As Numbers    ${audio}[i2s_frame_rate_hz]    16000

DMA Into DTCM Is A Transfer Error
    Command Should Answer    dtcm    dma_restarted
    Run For    0.05
    ${status}=    Command Should Answer    status    audio
    Should Be Equal As Integers    ${status}[dma_errors]    1
    ${audio}=    Audio Summary
    Should Be Equal    ${audio}[dma_errors][0][region]    dtcm

A Slow Handler Falls Behind
    Start Board    fixture:audio_test
    Play Audio    ${TONE}
    Command Should Answer    slow    slow
    Run For    0.3
    ${audio}=    Audio Summary
    Should Be True    ${audio}[half_buffers_late] > 0
