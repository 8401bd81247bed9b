*** Settings ***
Documentation     A short soak of the keyword image (h7sim soak, build/bench/soak.json is the hour):
...               speech, silence and noise in the microphone and faults injected at seeded times.
...               The run must reach its end, every fault must take effect and be followed by a
...               recovery, and every lost microphone sample is accounted for by the simulator.
...               (Audio capture through SPI2/I2S2 + DMA1 into memory, transfer errors and late
...               halves are tested once, at unit level: tools/h7sim/tests/test_peripherals.py
...               and test_faults.py.)
Library           ${CURDIR}/../tools/h7sim/robot_library.py

*** Variables ***
${KWS_IMAGE}      build/firmware/h7voice.elf

*** Test Cases ***
Short Soak Recovers From Every Fault And Accounts For Every Sample
    ${r}=    Run Soak    30    seed=3    elf=${KWS_IMAGE}    kinds=irq-hold,stall,hardfault,brownout
    Should Be Equal    ${r}[stopped_because]    time
    Should Be True    ${r}[virtual_seconds_reached] >= 30
    Length Should Be    ${r}[faults_injected]    4
    FOR    ${fault}    IN    @{r}[faults_injected]
        Should Be True    ${fault}[outcome][fired]    ${fault}[kind] never took effect
        Should Be True    ${fault}[outcome][recovered]    no recovery after ${fault}[kind]: ${fault}
    END
    ${s}=    Set Variable    ${r}[samples]
    # audio is lost only in the windows of the injected faults, never on its own
    Should Be Equal As Integers    ${s}[lost_outside_fault_windows]    0
    Should Be True    ${r}[detections] > 0
    Log    firmware counted ${s}[firmware_counted_lost] of ${s}[lost] lost samples; ${r}[detections] detections of ${r}[audio][keywords_played] keywords played    console=True
