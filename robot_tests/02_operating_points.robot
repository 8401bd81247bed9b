*** Settings ***
Documentation     Every operating point: the firmware's report and the simulator's RCC/PWR/FLASH
...               models agree on clock, voltage scaling and flash wait states.
Resource          resources/platform.resource
Suite Setup       Boot Platform Demo
Suite Teardown    Stop Board
Test Template     Operating Point Should Be Reached

*** Test Cases ***    MHZ    VOS    WS
240 MHz At VOS2       240    2      2
120 MHz At VOS3       120    3      1
64 MHz HSI At VOS3    64     3      1
16 MHz HSI Over D1CPRE At VOS3    16    3    0
16 MHz Again          16     3      0
Back To 480 At VOS0   480    0      4

Time Base Stays Exact Across 4000 Switches
    [Documentation]    4000 operating-point switches at random points of a millisecond: the
    ...    firmware's h7_time_ms() and the board's virtual time agree to 2 ms (each switch
    ...    used to lose the partial millisecond: about half a second here).
    [Template]    NONE
    ${before}=    Virtual Time
    ${answer}=    Command Should Answer    dvfs 4000    dvfs    timeout=10
    ${after}=    Virtual Time
    ${wire}=    Wire Time Of Last Line
    Should Be Equal As Integers    ${answer}[failures]    0
    # the command line takes 0.95 ms to arrive at 115200 baud before the firmware starts,
    # the answer its own wire time after the firmware's measurement ends
    ${drift}=    Evaluate    1000 * (${after} - ${before} - ${wire}) - 0.95 - ${answer}[elapsed_ms]
    Should Be True    abs(${drift}) <= 2    firmware ${answer}[elapsed_ms] ms, board ${after - ${before}} s
    Should Be True    ${answer}[elapsed_ms] > 200

*** Keywords ***
Operating Point Should Be Reached
    [Arguments]    ${mhz}    ${vos}    ${ws}
    ${answer}=    Command Should Answer    opp ${mhz}    opp
    Should Be Equal As Integers    ${answer}[status]    0
    Should Be Equal As Integers    ${answer}[sysclk_hz]    ${${mhz} * 1000000}
    Should Be Equal As Integers    ${answer}[vos]    ${vos}
    Should Be Equal As Integers    ${answer}[flash_ws]    ${ws}
    Clock Should Be    ${mhz}
    Voltage Scaling Should Be    VOS${vos}
    Flash Wait States Should Be    ${ws}
    ${info}=    Command Should Answer    info    info
    Should Be Equal As Integers    ${info}[sysclk_hz]    ${${mhz} * 1000000}
    No Fault Should Have Happened
