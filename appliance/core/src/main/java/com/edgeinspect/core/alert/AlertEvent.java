package com.edgeinspect.core.alert;

import com.edgeinspect.core.dataset.Box;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One message on {@code {prefix}/alerts} (schema: {@code schemas/alert.schema.json}). An alert is one defective part:
 * {@code new} when it is confirmed, {@code update} when its class changes or another defect on the same part joins
 * it, {@code end} when it has left the view. The id is unique across devices and restarts, so a consumer
 * deduplicates redelivered messages by it; {@code (id, type, sequence)} identifies one message.
 *
 * @param id the alert's id, the same for its new, update and end messages
 * @param type {@code new}, {@code update} or {@code end}
 * @param sequence 0 for new, then 1, 2, ... per message of this alert
 * @param time ISO-8601 UTC time of the frame that caused the message
 * @param frame the stream's frame sequence number of that frame
 * @param className the defect class, from the active model's class list
 * @param score the best detection score seen on the part
 * @param box the defect's box in frame pixels at {@code frame}
 * @param defects how many distinct defects (tracks) the part has shown so far
 * @param zone the configured zone the part was confirmed in, or null when no zones are configured
 * @param firstFrame frame where the part was first seen
 * @param lastFrame frame where it was last seen
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AlertEvent(String id, String type, int sequence, String device, String stream, String time, long frame,
        String className, int classId, float score, Box box, int defects, String zone, String modelVersion,
        long firstFrame, long lastFrame) {

    public static final String NEW = "new";
    public static final String UPDATE = "update";
    public static final String END = "end";
}
