package com.edgeinspect.core.bundle;

import java.io.IOException;

/** A bundle or key that cannot be trusted or used; the message names the file and what is wrong. */
public final class BundleException extends IOException {

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
