package com.edgeinspect.appliance;

/** The committed clip the appliance tests decode, relative to this module's folder (Surefire's working dir). */
final class FfmpegSourceTestClip {
    static final String PATH = "../../test-videos/mixed-defects.mp4";

    private FfmpegSourceTestClip() {}
}
