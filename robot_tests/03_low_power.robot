*** Settings ***
Documentation     Sleep (WFI) and Stop: entry, wake-up sources, time per mode.
Resource          resources/platform.resource
Suite Setup       Boot Platform Demo
Suite Teardown    Stop Board

*** Test Cases ***
Sleep Waits In WFI
    ${before}=    Time In Mode    sleep
    ${answer}=    Command Should Answer    sleep 50    sleep
    Should Be True    ${answer}[elapsed_ms] >= 50
    ${after}=    Time In Mode    sleep
    Should Be True    ${after} - ${before} >= 0.045    the core slept ${after - ${before}} s
    Run For    0.001
    Core Should Be Sleeping

Stop Mode Wakes On A UART Byte
    Command Should Answer    opp 240    opp
    Command Should Answer    stop    stop
    # the firmware's Stop time starts before its answer, which goes out (flushed) first
    ${answer_wire}=    Wire Time Of Last Line
    Run For    0.2
    Core Should Be In Stop Mode
    Clock Should Be    64
    Write Line To Uart    ${EMPTY}
    ${wake}=    Wait For Event    wake    timeout=0.1
    Should Be Equal    ${wake}[wake_source]    uart
    Should Be True    ${wake}[stopf]
    Should Be Equal As Integers    ${wake}[sysclk_hz]    240000000
    Clock Should Be    240
    ${stopped}=    Time In Mode    stop
    Should Be True    ${stopped} >= 0.19
    # SysTick stops in Stop; LPTIM1 measured the Stop and the time base carries it
    Should Be True    abs(${wake}[stopped_ms] - 1000 * (${stopped} + ${answer_wire})) <= 2
    ...    firmware says ${wake}[stopped_ms] ms in Stop, the board ${stopped} s after ${answer_wire} s of console

Stop Mode Wakes On The User Button
    Command Should Answer    stop    stop
    Run For    0.05
    Core Should Be In Stop Mode
    Press Button
    ${wake}=    Wait For Event    wake    timeout=0.1
    Release Button
    Should Be Equal    ${wake}[wake_source]    button
    No Fault Should Have Happened

Stop Mode Wakes On Sound At The Microphone
    [Documentation]    The microphone's wake-on-sound output (PG14 = Arduino D2, EXTI line 14; board_pins.def) rises
    ...    10 ms after the sound starts (one 10 ms window above -55 dBFS) and wakes the chip.
    Command Should Answer    stop    stop
    Run For    0.05
    Core Should Be In Stop Mode
    Pin Should Be    PG14    0
    ${before}=    Virtual Time
    ${tone}=    Write Test Tone    ${OUTPUT_DIR}/wake_tone.wav    seconds=0.5
    Play Audio    ${tone}    now=${True}
    ${wake}=    Wait For Event    wake    timeout=0.1
    # the wake event is seen when its last byte arrives, its wire time after it was sent
    ${seen}=    Virtual Time
    ${wire}=    Wire Time Of Last Line
    ${after}=    Evaluate    ${seen} - ${wire}
    Should Be Equal    ${wake}[wake_source]    sound
    Should Be True    ${wake}[stopf]
    Pin Should Be    PG14    1
    Should Be True    0.009 <= ${after} - ${before} <= 0.012    woke ${after - ${before}} s after the sound began
    No Fault Should Have Happened
