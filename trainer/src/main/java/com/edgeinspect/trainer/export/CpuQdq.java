package com.edgeinspect.trainer.export;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites the TensorRT form of an int8 graph (see {@link OnnxExporter}) for ONNX Runtime's CPU int8 kernels, so that
 * the whole graph from the stem's output to the heads' outputs runs in int8 (QLinearConv, QLinearAdd, copies). ONNX
 * Runtime fuses DequantizeLinear, Conv and QuantizeLinear into one QLinearConv only when the convolution's output is
 * quantised and its bias is int32; TensorRT wants float biases and ReLUs between. So:
 * <ul>
 *   <li>every int8 convolution whose consumers all quantise with one scale {@code s} (directly, or through a ReLU)
 *       gets its bias as int32 on the grid {@code s_input * s_weight[o]} behind a DequantizeLinear;</li>
 *   <li>a convolution followed by a ReLU whose consumers all quantise with {@code s} gives way to a QuantizeLinear to
 *       uint8 with scale {@code s} and zero point 0 straight after the convolution (clamping at 0 is the ReLU) and one
 *       DequantizeLinear that all former consumers read;</li>
 *   <li>the neck's upsampling, whose consumers all quantise with {@code s}, copies its input quantised with
 *       {@code s} (nearest-neighbour resizing leaves quantised values unchanged), so the neck stays int8 between two
 *       int8 adds;</li>
 *   <li>the float stem's weight passes a DequantizeLinear of int32 (exact to float rounding for every weight down to
 *       a 64th of its channel's largest): a weight that is not a plain initializer keeps ONNX Runtime from running
 *       the stem in its blocked NCHWc layout, whose reorder of the 16-channel half-resolution map back for the int8
 *       part cost more than the convolution itself.</li>
 * </ul>
 * The result computes what the TensorRT form computes except that ReLU outputs above {@code 127 s}, which int8
 * saturates, are kept up to {@code 255 s}, and that biases are rounded to their int32 grid.
 */
public final class CpuQdq {

    private final Map<String, TensorProto> init = new HashMap<>();
    private final Map<String, NodeProto> producer = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Set<NodeProto> dropped = new HashSet<>();
    private final Map<String, String> alias = new HashMap<>();
    private final GraphProto.Builder out;

    private CpuQdq(GraphProto g) {
        g.getInitializerList().forEach(t -> init.put(t.getName(), t));
        for (NodeProto n : g.getNodeList()) {
            n.getOutputList().forEach(o -> producer.put(o, n));
            n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        out = g.toBuilder().clearNode();
    }

    public static ModelProto rewrite(ModelProto tensorrtForm) {
        CpuQdq r = new CpuQdq(tensorrtForm.getGraph());
        for (NodeProto n : tensorrtForm.getGraph().getNodeList()) {
            if (r.dropped.contains(n)) {
                continue;
            }
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                b.setInput(i, r.alias.getOrDefault(b.getInput(i), b.getInput(i)));
            }
            switch (n.getOpType()) {
                case "Conv" -> r.conv(n, b);
                case "Resize" -> r.resize(n, b);
                default -> r.out.addNode(b);
            }
        }
        return tensorrtForm.toBuilder().setGraph(withoutUnread(r.out)).build();
    }

    /**
     * A nearest-neighbour upsampling by 2 whose consumers all quantise with one scale becomes copies of the quantised
     * values in NHWC, the layout ONNX Runtime keeps int8 maps in between its kernels (the transposes here cancel with
     * its own): each value unsqueezed to a 2x2 cell, expanded, reshaped to the doubled map. ONNX Runtime 1.16's int8
     * Resize indexes element by element in that layout (6 ms where these copies take under 1). The values are uint8
     * around 128, as ONNX Runtime turns every other signed int8 pair here into on x86, so the adds on both sides fuse.
     */
    private void resize(NodeProto n, NodeProto.Builder b) {
        List<NodeProto> qs = quantisers(n.getOutput(0));
        if (qs == null || !Arrays.equals(floats(init.get(n.getInput(2))), new float[] {1, 1, 2, 2})) {
            out.addNode(b);
            return;
        }
        String y = n.getOutput(0);
        String scale = qs.get(0).getInput(1);
        out.addInitializer(uint8(y + ".u8zero", 128));
        out.addInitializer(longs(y + ".cell.axes", 2, 4));
        out.addInitializer(longs(y + ".cell", 1, 1, 2, 1, 2, 1));
        out.addInitializer(longs(y + ".doubled", 1, 2, 2, 1));
        out.addNode(node("QuantizeLinear", y + ".q", b.getInput(0), scale, y + ".u8zero"));
        out.addNode(node("Transpose", y + ".nhwc", y + ".q").toBuilder().addAttribute(perm(0, 2, 3, 1)));
        out.addNode(node("Shape", y + ".shape", y + ".nhwc"));
        out.addNode(node("Mul", y + ".shape.doubled", y + ".shape", y + ".doubled"));
        out.addNode(node("Unsqueeze", y + ".cells", y + ".nhwc", y + ".cell.axes"));
        out.addNode(node("Expand", y + ".copies", y + ".cells", y + ".cell"));
        out.addNode(node("Reshape", y + ".up", y + ".copies", y + ".shape.doubled"));
        out.addNode(node("Transpose", y + ".nchw", y + ".up").toBuilder().addAttribute(perm(0, 3, 1, 2)));
        out.addNode(node("DequantizeLinear", y + ".dq", y + ".nchw", scale, y + ".u8zero"));
        // ONNX Runtime infers no rank for a reshape to a computed shape; without one it keeps what follows in NCHW.
        TensorShapeProto.Builder rank4 = TensorShapeProto.newBuilder();
        for (int i = 0; i < 4; i++) {
            rank4.addDim(TensorShapeProto.Dimension.newBuilder());
        }
        out.addValueInfo(ValueInfoProto.newBuilder().setName(y + ".up").setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.UINT8.getNumber()).setShape(rank4))));
        replace(qs, y + ".dq");
    }

    /** Drops quantisers and their DequantizeLinear nodes; what read those reads {@code value} instead. */
    private void replace(List<NodeProto> qs, String value) {
        for (NodeProto q : qs) {
            dropped.add(q);
            for (NodeProto dq : consumers.get(q.getOutput(0))) {
                dropped.add(dq);
                alias.put(dq.getOutput(0), value);
            }
        }
    }

    private void conv(NodeProto n, NodeProto.Builder b) {
        boolean int8 = isOp(producer.get(n.getInput(0)), "DequantizeLinear")
                && isOp(producer.get(n.getInput(1)), "DequantizeLinear") && n.getInputCount() > 2
                && init.containsKey(n.getInput(2));
        if (!int8 && init.containsKey(n.getInput(1))) {
            b.setInput(1, int32Weight(n.getInput(1)));
        }
        NodeProto relu = soleConsumer(n.getOutput(0), "Relu");
        // A Resize between reads its input quantised once this rewrite is done (see resize).
        NodeProto resize = soleConsumer(n.getOutput(0), "Resize");
        List<NodeProto> qs = quantisers((relu != null ? relu : resize != null ? resize : n).getOutput(0));
        if (qs != null && int8) {
            b.setInput(2, int32Bias(n));
        }
        out.addNode(b);
        if (qs == null || relu == null) {
            return;
        }
        String scale = qs.get(0).getInput(1);
        String y = n.getOutput(0);
        out.addInitializer(uint8(y + ".u8zero", 0));
        out.addNode(node("QuantizeLinear", y + ".u8", y, scale, y + ".u8zero"));
        out.addNode(node("DequantizeLinear", y + ".relu", y + ".u8", scale, y + ".u8zero"));
        dropped.add(relu);
        replace(qs, y + ".relu");
    }

    /** Drops what no node reads any more: the float biases replaced and the scales of the pairs removed. */
    private static GraphProto withoutUnread(GraphProto.Builder g) {
        Set<String> read = new HashSet<>();
        g.getNodeList().forEach(n -> read.addAll(n.getInputList()));
        g.getOutputList().forEach(o -> read.add(o.getName()));
        List<TensorProto> kept = g.getInitializerList().stream().filter(t -> read.contains(t.getName())).toList();
        return g.clearInitializer().addAllInitializer(kept).build();
    }

    /** The single consumer of {@code value} if it is an {@code op}, else null. */
    private NodeProto soleConsumer(String value, String op) {
        List<NodeProto> next = consumers.getOrDefault(value, List.of());
        return next.size() == 1 && next.get(0).getOpType().equals(op) ? next.get(0) : null;
    }

    /**
     * The consumers of {@code value} when they are all QuantizeLinear nodes of one scale whose every consumer is a
     * DequantizeLinear; else null.
     */
    private List<NodeProto> quantisers(String value) {
        List<NodeProto> qs = consumers.getOrDefault(value, List.of());
        if (qs.isEmpty() || commonScale(qs) == null) {
            return null;
        }
        for (NodeProto q : qs) {
            if (!consumers.getOrDefault(q.getOutput(0), List.of()).stream().allMatch(d -> isOp(d, "DequantizeLinear"))) {
                return null;
            }
        }
        return qs;
    }

    /** The common scale of a set of QuantizeLinear nodes with int8 zero point 0, or null if they differ. */
    private Float commonScale(List<NodeProto> qs) {
        Float scale = null;
        for (NodeProto q : qs) {
            if (!q.getOpType().equals("QuantizeLinear") || q.getInputCount() < 3 || !init.containsKey(q.getInput(1))
                    || !init.containsKey(q.getInput(2))) {
                return null;
            }
            float[] s = floats(init.get(q.getInput(1)));
            byte[] zero = init.get(q.getInput(2)).getRawData().toByteArray();
            if (s.length != 1 || zero.length != 1 || zero[0] != 0 || (scale != null && scale != s[0])) {
                return null;
            }
            scale = s[0];
        }
        return scale;
    }

    /** Adds the int32 form of a Conv's float bias and its DequantizeLinear; returns the dequantised value's name. */
    private String int32Bias(NodeProto conv) {
        float inputScale = floats(init.get(producer.get(conv.getInput(0)).getInput(1)))[0];
        float[] weightScales = floats(init.get(producer.get(conv.getInput(1)).getInput(1)));
        float[] bias = floats(init.get(conv.getInput(2)));
        ByteBuffer q = ByteBuffer.allocate(4 * bias.length).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer s = ByteBuffer.allocate(4 * bias.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int o = 0; o < bias.length; o++) {
            float grid = inputScale * weightScales[o];
            q.putInt(Math.round(bias[o] / grid));
            s.putFloat(grid);
        }
        return int32Dequantised(conv.getInput(2) + ".int32", q.array(), List.of((long) bias.length), s.array());
    }

    /**
     * A float weight {@code [out, ...]} as int32 behind a DequantizeLinear, one power-of-two scale per output channel
     * ({@code 2^(e - 29)} for a largest magnitude in {@code [2^e, 2^(e+1))}), so the products are exact floats.
     */
    private String int32Weight(String weight) {
        TensorProto t = init.get(weight);
        float[] w = floats(t);
        int channels = (int) t.getDims(0);
        int per = w.length / channels;
        ByteBuffer q = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer s = ByteBuffer.allocate(4 * channels).order(ByteOrder.LITTLE_ENDIAN);
        for (int o = 0; o < channels; o++) {
            float max = 0;
            for (int i = 0; i < per; i++) {
                max = Math.max(max, Math.abs(w[o * per + i]));
            }
            float scale = max == 0 ? 1 : Math.scalb(1f, Math.getExponent(max) - 29);
            for (int i = 0; i < per; i++) {
                q.putInt(Math.round(w[o * per + i] / scale));
            }
            s.putFloat(scale);
        }
        return int32Dequantised(weight + ".int32", q.array(), t.getDimsList(), s.array());
    }

    /**
     * Adds int32 {@code values} of shape {@code dims} with one float scale per entry of the first axis (zero points
     * 0) and their DequantizeLinear; returns the dequantised value's name.
     */
    private String int32Dequantised(String name, byte[] values, List<Long> dims, byte[] scales) {
        long channels = dims.get(0);
        out.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT32.getNumber())
                .addAllDims(dims).setRawData(ByteString.copyFrom(values)));
        out.addInitializer(tensor(name + ".scale", TensorProto.DataType.FLOAT, scales, channels));
        out.addInitializer(tensor(name + ".zero", TensorProto.DataType.INT32, new byte[4 * (int) channels], channels));
        out.addNode(node("DequantizeLinear", name + ".dq", name, name + ".scale", name + ".zero").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                        .setI(0)));
        return name + ".dq";
    }

    /** A scalar uint8 constant: a zero point. */
    private static TensorProto uint8(String name, int value) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.UINT8.getNumber())
                .setRawData(ByteString.copyFrom(new byte[] {(byte) value})).build();
    }

    /** A node named after its one output. */
    private static NodeProto node(String op, String output, String... inputs) {
        return NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(Arrays.asList(inputs))
                .addOutput(output).build();
    }

    private static AttributeProto perm(long... p) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS);
        for (long x : p) {
            a.addInts(x);
        }
        return a.build();
    }

    private static TensorProto longs(String name, long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return tensor(name, TensorProto.DataType.INT64, b.array(), v.length);
    }

    private static boolean isOp(NodeProto n, String op) {
        return n != null && n.getOpType().equals(op);
    }

    private static float[] floats(TensorProto t) {
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    private static TensorProto tensor(String name, TensorProto.DataType type, byte[] raw, long dim) {
        return TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).addDims(dim)
                .setRawData(ByteString.copyFrom(raw)).build();
    }
}
