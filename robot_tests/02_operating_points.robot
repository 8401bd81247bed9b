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
Back To 480 At VOS0   480    0      4

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
