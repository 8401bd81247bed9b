*** Settings ***
Documentation     The independent watchdog resets the chip when the firmware stops kicking it.
Resource          resources/platform.resource
Suite Setup       Boot Platform Demo
Suite Teardown    Stop Board

*** Test Cases ***
Watchdog Resets The Chip
    ${answer}=    Command Should Answer    wdt 100    watchdog
    Should Be Equal As Integers    ${answer}[timeout_ms]    100
    ${t0}=    Virtual Time
    ${boot}=    Wait For Event    boot    timeout=0.5
    ${t1}=    Virtual Time
    Should Be Equal    ${boot}[reset_cause]    iwdg
    Board Should Have Reset    iwdg
    Should Be True    0.09 <= ${t1} - ${t0} <= 0.15    reset after ${t1 - ${t0}} s

The Watchdog Times In Real Milliseconds On A Part Whose LSI Runs 5 % Fast
    [Documentation]    IWDG1 counts LSI, within a few % of 32 kHz on silicon. The timeout is
    ...    converted with the LSI the boot measured (firmware/platform/README.md, "Time across a
    ...    Stop"): 100 ms on a part at 33.6 kHz is 100 ms (at the nominal 32 kHz it came out
    ...    95 ms). The answer is flushed before the watchdog starts.
    Start Board    ${PLATFORM_DEMO}    lsi_hz=33600
    Wait For Event    boot    timeout=0.5
    ${answer}=    Command Should Answer    wdt 100    watchdog
    ${t0}=    Virtual Time
    Wait For Event    boot    timeout=0.5
    ${reset}=    Time Of Last Reset
    Board Should Have Reset    iwdg
    Should Be True    0.099 <= ${reset} - ${t0} <= 0.1015    reset ${reset - ${t0}} s after the answer
