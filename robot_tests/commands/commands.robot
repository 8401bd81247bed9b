*** Settings ***
Documentation     The voice-commands images (firmware/apps/commands) on the simulated NUCLEO-H743ZI2,
...               one scenario per shipped example context: a synthetic voice held out of all
...               phone-model training says a command (the lights image listens after the wake
...               phrase "hey computer", the others are push-to-talk); the board prints one
...               intent event with the intent and slots the context gives that phrase, within
...               300 ms of the end of speech, and runs the context's actions. A real sentence of a
...               held-out speaker is not taken for a command.
Library           CommandsLibrary.py
Suite Setup       Commands Images Should Be Built

*** Test Cases ***
Lights After The Wake Phrase
    Held Out Voice Says    commands_lights    flite    slt    turn on the kitchen lights    wake=hey computer
    The Wake Phrase Should Have Fired Once
    The Intent Should Be    turnOn    location=kitchen
    The Latency Should Be Within Budget

Thermostat Push To Talk
    Held Out Voice Says    commands_thermostat    espeak    en-us+f3    set the temperature to twenty one degrees
    The Intent Should Be    setTemperature    temperature=21
    The Latency Should Be Within Budget

Media Player Push To Talk
    Held Out Voice Says    commands_media    flite    rms    play the next song
    The Intent Should Be    next
    The Latency Should Be Within Budget

A Real Sentence Is Not A Command
    Held Out Real Sentence Is Played    commands_media
    No Command Should Be Taken
