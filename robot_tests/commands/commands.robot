*** Settings ***
Documentation     The voice-commands images (firmware/apps/commands) on the simulated NUCLEO-H743ZI2,
...               one scenario per shipped example context: a synthetic voice held out of all
...               phone-model training says a command (the lights image listens after the wake
...               phrase "hey computer", the others are push-to-talk); the board's wake and intent
...               events are exactly the host library's for the same audio (the code of every
...               benchmark figure), each command is decided within 300 ms of the end of speech,
...               and the decision is reported against the phrase's meaning (accuracy: python -m
...               h7intent.bench). A real sentence of a held-out speaker is decided as on the host.
Library           CommandsLibrary.py
Suite Setup       Commands Images Should Be Built

*** Test Cases ***
Lights After The Wake Phrase
    Held Out Voice Says    commands_lights    espeak    en-us+f3    turn on the kitchen lights    wake=hey computer
    Report The Wake Phrase
    The Board Should Decide As The Host Library
    The Latency Should Be Within Budget
    Report The Decision Against    turnOn    location=kitchen

Thermostat Push To Talk
    Held Out Voice Says    commands_thermostat    espeak    en-us+m7    set the temperature to twenty one degrees
    The Board Should Decide As The Host Library
    The Latency Should Be Within Budget
    Report The Decision Against    setTemperature    temperature=21

Media Player Push To Talk
    Held Out Voice Says    commands_media    flite    rms    play the next song
    The Board Should Decide As The Host Library
    The Latency Should Be Within Budget
    Report The Decision Against    next

A Real Sentence Is Not A Command
    Held Out Real Sentence Is Played    commands_media
    The Board Should Decide As The Host Library
    No Command Should Be Taken
