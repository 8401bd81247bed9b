*** Settings ***
Documentation     Waking from Stop loses no word: command blocks of the real-speech demo
...               recording separated by 20 s of its room tone (the power policy stops after
...               5 s of silence; the microphone's wake-on-sound pin wakes it). The first
...               command of every block after a Stop is heard, and the blocks after a Stop
...               find as many commands as a run that never stops would (the host build of
...               the same C keeps listening where the board stops).
Library           ${CURDIR}/resources/StopWakeLibrary.py

*** Test Cases ***
First Command After Twenty Seconds Of Silence Is Heard
    ${wav}=    Make Stop Blocks Recording    blocks=2    words_per_block=2    gap_s=20
    Run Kws On    ${wav}
    Stop Entries Should Be At Least    1
    First Command Of Each Block Should Be Heard
    Detections Should Equal A Run That Never Stops
    No Sample Should Be Lost While Awake
