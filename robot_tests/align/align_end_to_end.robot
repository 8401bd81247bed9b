*** Settings ***
Documentation     The align image on the simulated NUCLEO-H743ZI2: a REAL recording through
...               the I2S microphone, its transcript over the console, one word line per word,
...               the same words and times as the host build of the same C; bad input is one
...               console error event.
Library           AlignLibrary.py
Suite Setup       Align Image Should Be Built

*** Test Cases ***
A Real Sentence Aligns On The Board As On The Host
    [Documentation]    ljspeech LJ001-0002 (its first 1.3 s: "in being comparatively", a speaker
    ...    the phone model never trained on), against its Montreal Forced Aligner boundaries;
    ...    h7voice pronounce --board's report from the same lines (GOP, voice activity).
    Use Ljspeech Clip    LJ001-0002    seconds=1.3
    Align On The Board
    Words Should Equal The Host Build
    Word Boundaries Should Be Within    100
    Pronunciation Report Should Equal The Host Build

The Governor Picks Its Cheapest Point And The Core Waits At 16 MHz Between Hops
    [Documentation]    opp auto on a real sentence: after 50 hops measured at 64 MHz (the work
    ...    fits there: no step up) the governor runs the hops at the point with the least supply
    ...    current (race-to-idle or slow-and-steady) and the core waits between them at 16 MHz;
    ...    the same words as the host, no sample lost, less energy than waiting at the computing
    ...    point.
    Use Ljspeech Clip    LJ001-0002
    Align On The Board With The Governor    same
    Align On The Board With The Governor    low
    Governor Should Have Measured At    64    step_ups=0
    Governor Should Pick Its Cheapest Point And Wait At    16
    Words Should Equal The Host Build
    Waiting Low Should Cost Less Than Waiting At The Computing Point

The Governor Measures One Point Faster Whenever A Hop Takes Too Long
    [Documentation]    opp auto 5: a hop may take at most 5 % of its 20 ms. The phone model's
    ...    hop (~0.41 M cycles with its first block streamed) takes more than that at 64, 120 and
    ...    240 MHz, so the measurement steps up at once, one point per hop, to 480 MHz, which the
    ...    governor then keeps; nothing is lost on the way and the words are the host's.
    Use Ljspeech Clip    LJ001-0002    seconds=1.3
    Align On The Board With The Governor    low    busy=5
    Governor Should Have Measured At    480    step_ups=3
    Governor Should Pick Its Cheapest Point And Wait At    16
    Words Should Equal The Host Build

The Meeting Recorder On The Board Logs The Host's Segments
    [Documentation]    h7voice record --board: a real sentence twice with half a second of
    ...    silence around each; the board's voice activity detector gives the host's segments.
    Use Ljspeech Clip    LJ001-0002    seconds=1.3
    Record On The Board
    Recorder Should Find Segments    2
    Recorder Log Should Equal The Host Build

The Meeting Recorder Stops Between Segments
    [Documentation]    record with Stop: after each segment the board enters Stop and wakes on
    ...    the microphone's wake-on-sound output (the last time at the end of the recording);
    ...    its segments stay on the recording's time axis, within one 20 ms hop of the host's.
    Use Ljspeech Clip    LJ001-0002    seconds=1.3
    Record On The Board With Stop
    Recorder Should Have Stopped    2    1.0
    Recorder Should Find Segments    2
    Recorder Segments Should Be Within Of The Host    20

The Meeting Recorder Keeps Its Times Through Stop On A Part Whose LSI Runs 3 % Fast
    [Documentation]    The same recording with Stop on a part whose LSI (the Stop clock's
    ...    oscillator, within a few % of 32 kHz on silicon) runs at 32.96 kHz: the boot
    ...    measured its tick, so the segments after each Stop stay within one hop of the host's.
    Use Ljspeech Clip    LJ001-0002    seconds=1.3
    Record On The Board With Stop    lsi_hz=32960
    Recorder Should Have Stopped    2    1.0
    Recorder Segments Should Be Within Of The Host    20

The Meeting Recorder Finds Phrases On The Board As On The Host
    [Documentation]    record --board --find: two real sentences of a speaker no model trained on;
    ...    the board runs the phone model while it records and searches each speech segment
    ...    for the phrases (align_find.c): the same hits, times and scores as the host build,
    ...    "never been" once where the reference aligner puts "never", a phrase not said not
    ...    found, nothing lost by the search.
    Record Two Sentences Finding    never been    printing press    elephant    threshold=2.0
    Recorder Log Should Equal The Host Build
    Recorder Should Find Segments    2
    Recorder Should Find Once At The Reference    never been    LJ001-0008    100
    Recorder Should Not Find    elephant

The Meeting Recorder Finds Phrases With Stop Between Segments
    [Documentation]    record --board --stop --find: the board enters Stop after each segment, and
    ...    after each wake the model starts a fresh stream and the search skips the gap; its hits,
    ...    times and scores are the host's search of the stretches the board heard (where each
    ...    began, to the sample, from the simulator).
    Record Two Sentences Finding    never been    printing press    modern    threshold=2.0    stop=True
    Recorder Should Have Stopped    2    1.0
    Recorder Should Find Segments    2
    Recorder Hits Should Equal The Host On The Stretches Heard

A Phrase Search The Board Cannot Hold Is One Error Event
    [Documentation]    Five phrases (the board searches at most four at once): one error event
    ...    naming the limit, then the recording runs with the four it took.
    Use Ljspeech Clip    LJ001-0002    seconds=1.3
    Send The Board    find in    find being    find comparatively    find modern    find printing
    Board Should Report Error    at most 4 phrases
    Board Should Have Searched For    4

Non-ASCII Text Is Refused With One Error Event
    Use Ljspeech Clip    LJ001-0002    seconds=1.3
    Align On The Board    text=in being caf\xe9 modern
    Board Should Report Error    non-ASCII

Text Longer Than The Audio Is Refused With One Error Event
    Align Silence On The Board    many more words than a fifth of a second of audio could ever hold    0.2
    Board Should Report Error    audio ended    words_allowed=True
