package com.edgeinspect.appliance.detect;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.detect.Detection;
import java.awt.geom.Path2D;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream's zones: where on the frame a defect counts. Exclude zones (a label printer, a reflective guard) drop
 * detections centred in them; when include zones exist, detections outside all of them are dropped too. The zone a
 * detection lies in names its alert.
 */
public final class Zones {

    private record Zone(String name, Path2D polygon, boolean exclude) {}

    private final List<Zone> zones = new ArrayList<>();
    private final boolean anyInclude;

    public Zones(List<ApplianceConfig.Zone> config) {
        for (ApplianceConfig.Zone z : config) {
            Path2D p = new Path2D.Double();
            p.moveTo(z.polygon().get(0).get(0), z.polygon().get(0).get(1));
            for (List<Double> pt : z.polygon().subList(1, z.polygon().size())) {
                p.lineTo(pt.get(0), pt.get(1));
            }
            p.closePath();
            zones.add(new Zone(z.name(), p, z.exclude()));
        }
        this.anyInclude = zones.stream().anyMatch(z -> !z.exclude());
    }

    /** The detections that count. */
    public List<Detection> filter(List<Detection> detections) {
        if (zones.isEmpty()) {
            return detections;
        }
        List<Detection> out = new ArrayList<>(detections.size());
        for (Detection d : detections) {
            if (counts(d.box().centerX(), d.box().centerY())) {
                out.add(d);
            }
        }
        return out;
    }

    private boolean counts(double x, double y) {
        boolean included = !anyInclude;
        for (Zone z : zones) {
            if (z.polygon().contains(x, y)) {
                if (z.exclude()) {
                    return false;
                }
                included = true;
            }
        }
        return included;
    }

    /** The first include zone holding the point, or null. */
    public String nameAt(double x, double y) {
        for (Zone z : zones) {
            if (!z.exclude() && z.polygon().contains(x, y)) {
                return z.name();
            }
        }
        return null;
    }
}
