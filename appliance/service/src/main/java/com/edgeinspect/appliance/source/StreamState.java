package com.edgeinspect.appliance.source;

/** What a stream is doing, as shown on /api/status and the web page. */
public enum StreamState {
    /** Opening the source for the first time. */
    STARTING,
    /** Delivering frames. */
    RUNNING,
    /** The source failed; waiting out the backoff before opening it again. */
    RECONNECTING,
    /** A file ended and looping is off. */
    ENDED,
    /** Shut down. */
    STOPPED
}
