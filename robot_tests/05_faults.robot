*** Settings ***
Documentation     Faults are raised as the chip raises them; the firmware's handler reports them
...               (text + JSON event) and resets.
Resource          resources/platform.resource
Suite Setup       Boot Platform Demo
Suite Teardown    Stop Board
Test Template     Fault Should Be Reported

*** Test Cases ***           KIND        REPORTED      SIM EXCEPTION    SIM KIND          CFSR
Unmapped Read                unmapped    busfault      BusFault         bus_read          0x00008200
Undefined Instruction        udf         usagefault    UsageFault       undefined         0x00010000
FPU Disabled                 nocp        usagefault    UsageFault       no_coprocessor    0x00080000
Divide By Zero               div0        usagefault    UsageFault       divide_by_zero    0x02000000
Unaligned LDRD               unaligned   usagefault    UsageFault       unaligned         0x01000000
NULL Read Hits MPU Guard     null        memmanage     MemManage        mpu_data          0x00000082

*** Test Cases ***
Interrupt Without Handler Is Reported
    [Template]    NONE
    Command Should Answer    fault irq    fault_provoke
    ${report}=    Wait For Event    fault    timeout=0.1
    Should Be Equal    ${report}[kind]    unexpected_irq
    Should Be Equal As Integers    ${report}[irq]    28
    ${boot}=    Wait For Event    boot    timeout=0.5
    Should Be Equal    ${boot}[reset_cause]    software

Stack Overflow Past The Guard Is Reported
    [Documentation]    eat_stack's 272-byte frames step over the 32-byte MPU guard, so the first
    ...    store lands below DTCM (reserved): a bus fault whose stacking fails too (STKERR).
    [Template]    NONE
    Command Should Answer    fault stack    fault_provoke
    ${report}=    Wait For Event    fault    timeout=0.1
    Should Be Equal    ${report}[kind]    busfault
    Fault Should Have Been Raised    BusFault    stacking
    ${boot}=    Wait For Event    boot    timeout=0.5
    Should Be Equal    ${boot}[reset_cause]    software

*** Keywords ***
Fault Should Be Reported
    [Arguments]    ${kind}    ${reported}    ${exception}    ${sim_kind}    ${cfsr}
    Command Should Answer    fault ${kind}    fault_provoke
    ${report}=    Wait For Event    fault    timeout=0.1
    Should Be Equal    ${report}[kind]    ${reported}
    Should Be Equal    ${report}[cfsr]    ${cfsr}
    Fault Should Have Been Raised    ${exception}    ${sim_kind}
    ${boot}=    Wait For Event    boot    timeout=0.5
    Should Be Equal    ${boot}[reset_cause]    software
    Board Should Have Reset    software
