package com.edgeinspect.core.detect;

import com.edgeinspect.core.dataset.Box;

/** One detected defect in frame pixels: what the detector hands to the tracker and the evaluator. */
public record Detection(int classId, Box box, float score) {}
