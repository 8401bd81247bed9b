*** Settings ***
Documentation     Weights in external QSPI flash (issue 18 item 4): the qspi_bench image runs a
...               2.4 MB model whose weights the build placed in the W25Q64JV (0x90000000),
...               streamed layer by layer into SRAM by the MDMA, bit-exact with TFLite Micro;
...               a board without the flash and an MDMA bus error are reported once and
...               nothing hangs.
Library           ${CURDIR}/qspi_library.py
Suite Teardown    Stop QSPI Board

*** Test Cases ***
The Big Model Runs From QSPI Bit-Exact
    Start QSPI Board
    ${q}=    Boot Event    qspi
    Should Be Equal    ${q}[jedec_id]    ef4017
    Should Be Equal As Integers    ${q}[clock_hz]    120000000
    ${m}=    Boot Event    qspi_model
    Should Be Equal    ${m}[placement]    qspi
    Should Be True    ${m}[model_bytes] > 2097152
    Should Be True    ${m}[streamed_ops] >= 12
    ${r}=    Run Inferences    1    1
    Should Be Equal    ${r}[mode]    prefetch
    Should Be True    ${r}[streaming]
    Outputs Should Match TFLite Micro    1    1
    # no prefetch (copy, wait, compute): the same outputs, later
    Set Weights Mode    sync
    ${s}=    Run Inferences    1    1
    Outputs Should Match TFLite Micro    1    1
    Should Be True    ${s}[first_us] > ${r}[first_us] * 1.2
    Set Weights Mode    prefetch

An MDMA Bus Error Is Reported Once And Retried
    Inject MDMA Error
    ${r}=    Run Inferences    1    1
    ${errors}=    Last Errors
    Length Should Be    ${errors}    1
    Should Be Equal    ${errors}[0][where]    weights_stream
    Should Contain    ${errors}[0][message]    MDMA transfer error
    Should Be True    ${errors}[0][streaming]
    Outputs Should Match TFLite Micro    1    1

No QSPI Flash Is Reported And The Board Still Answers
    Start QSPI Board    flash=${False}
    ${e}=    Boot Event    qspi_error
    Should Contain    ${e}[message]    no QSPI flash answers
    ${a}=    Command Should Answer Error    run 1 1
    Should Contain    ${a}[message]    no model
