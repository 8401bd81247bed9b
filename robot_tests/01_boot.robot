*** Settings ***
Documentation     platform_demo boots on the simulated STM32H743: banner, boot event, 480 MHz.
Resource          resources/platform.resource
Suite Teardown    Stop Board

*** Test Cases ***
Banner Comes First
    Start Board    ${PLATFORM_DEMO}
    ${line}=    Wait For Line On Uart    h7voice platform_demo    timeout=0.5
    Should Match Regexp    ${line}    ^h7voice platform_demo \\d+\\.\\d+\\.\\d+ \\(.+\\)$
    ${boot}=    Wait For Event    boot    timeout=0.1
    Should Be Equal    ${boot}[app]    platform_demo
    Should Be Equal    ${boot}[reset_cause]    power-on
    Clock Should Be    480
    Voltage Scaling Should Be    VOS0
    Flash Wait States Should Be    4
    No Fault Should Have Happened

Unknown Command Gives An Error Event
    ${error}=    Command Should Answer    frobnicate    error
    Should Be Equal    ${error}[cmd]    frobnicate

LED Pins Follow Commands
    Command Should Answer    led 0 on    led
    Pin Should Be    PB0    1
    Command Should Answer    led 0 off    led
    Pin Should Be    PB0    0
    Command Should Answer    led 2 on    led
    Pin Should Be    PB14    1

Header Pins Follow The GPIO API And Board Pins Are Refused
    ${answer}=    Command Should Answer    pin E13 1    pin
    Should Be Equal As Integers    ${answer}[level]    1
    Pin Should Be    PE13    1
    Command Should Answer    pin E13 0    pin
    Pin Should Be    PE13    0
    ${error}=    Command Should Answer    pin G14 1    error
    Should Contain    ${error}[message]    used by the board
    ${error}=    Command Should Answer    pin D8 1    error
    Should Contain    ${error}[message]    used by the board
