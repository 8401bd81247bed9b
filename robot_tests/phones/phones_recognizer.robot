*** Settings ***
Documentation     The phone recognizer image (`phones`) on the simulated NUCLEO-H743ZI2: a
...               held-out real clip in the microphone, one "phone" event per recognized phone,
...               every phone and score bit-identical with the host library every evaluation
...               uses; a graph built for another phone set is refused at load.
Library           PhonesLibrary.py
Suite Setup       Phones Images Should Be Built

*** Test Cases ***
Board Phones And Scores Equal The Host Library On A Held-Out Real Clip
    ${clip}=    Held Out Real Clip
    Run Phones Image With    ${clip}
    Phones And Scores Should Equal The Host Library
    Board Should Report Cycles Per Hop

A Graph For Another Phone Set Is Refused At Load Naming Both
    Foreign Graph Should Be Refused Naming Both Phone Sets
