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
