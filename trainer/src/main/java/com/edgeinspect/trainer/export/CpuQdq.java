package com.edgeinspect.trainer.export;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites the TensorRT form of an int8 graph (see {@link OnnxExporter}) for ONNX Runtime's CPU int8 kernels. ONNX
 * Runtime fuses DequantizeLinear, Conv and QuantizeLinear into one QLinearConv only when the convolution's output is
 * quantised and its bias is int32; TensorRT wants neither (quantised inputs, float biases). So, for every int8
 * convolution followed by a ReLU whose consumers all quantise with one scale {@code s}:
 * <ul>
 *   <li>the bias becomes int32 on the grid {@code s_input * s_weight[o]} behind a DequantizeLinear;</li>
 *   <li>the ReLU and the consumers' QuantizeLinear/DequantizeLinear pairs give way to a QuantizeLinear to uint8 with
 *       scale {@code s} and zero point 0 straight after the convolution (clamping at 0 is the ReLU) and one
 *       DequantizeLinear that all former consumers read.</li>
 * </ul>
 * The result computes what the TensorRT form computes except that values above {@code 127 s}, which int8 saturates,
 * are kept up to {@code 255 s}, and that biases are rounded to their int32 grid.
 */
public final class CpuQdq {

    private CpuQdq() {}

    public static ModelProto rewrite(ModelProto tensorrtForm) {
        GraphProto g = tensorrtForm.getGraph();
        Map<String, TensorProto> init = new HashMap<>();
        g.getInitializerList().forEach(t -> init.put(t.getName(), t));
        Map<String, NodeProto> producer = new HashMap<>();
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            n.getOutputList().forEach(o -> producer.put(o, n));
            n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        Set<NodeProto> dropped = new HashSet<>();
        Map<String, String> alias = new HashMap<>();
        GraphProto.Builder out = g.toBuilder().clearNode();
        for (NodeProto n : g.getNodeList()) {
            if (dropped.contains(n)) {
                continue;
            }
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                b.setInput(i, alias.getOrDefault(b.getInput(i), b.getInput(i)));
            }
            List<NodeProto> pairs = n.getOpType().equals("Conv") ? requantisers(n, producer, consumers, init) : null;
            if (pairs == null) {
                out.addNode(b);
                continue;
            }
            String scale = pairs.get(0).getInput(1);
            String y = n.getOutput(0);
            String bias = int32Bias(n, producer, init, out);
            out.addNode(b.setInput(2, bias));
            out.addInitializer(TensorProto.newBuilder().setName(y + ".u8zero")
                    .setDataType(TensorProto.DataType.UINT8.getNumber()).setRawData(ByteString.copyFrom(new byte[1])));
            out.addNode(NodeProto.newBuilder().setOpType("QuantizeLinear").setName(y + ".u8").addInput(y)
                    .addInput(scale).addInput(y + ".u8zero").addOutput(y + ".u8"));
            out.addNode(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(y + ".relu").addInput(y + ".u8")
                    .addInput(scale).addInput(y + ".u8zero").addOutput(y + ".relu"));
            dropped.add(consumers.get(y).get(0));
            for (NodeProto q : pairs) {
                dropped.add(q);
                for (NodeProto dq : consumers.get(q.getOutput(0))) {
                    dropped.add(dq);
                    alias.put(dq.getOutput(0), y + ".relu");
                }
            }
        }
        return tensorrtForm.toBuilder().setGraph(withoutUnread(out)).build();
    }

    /** Drops what no node reads any more: the float biases replaced and the scales of the pairs removed. */
    private static GraphProto withoutUnread(GraphProto.Builder g) {
        Set<String> read = new HashSet<>();
        g.getNodeList().forEach(n -> read.addAll(n.getInputList()));
        g.getOutputList().forEach(o -> read.add(o.getName()));
        List<TensorProto> kept = g.getInitializerList().stream().filter(t -> read.contains(t.getName())).toList();
        return g.clearInitializer().addAllInitializer(kept).build();
    }

    /**
     * The QuantizeLinear nodes after a Conv's ReLU when the pattern holds (int8 input and weight, one ReLU consumer,
     * every ReLU consumer a QuantizeLinear of one scale whose every consumer is a DequantizeLinear); else null.
     */
    private static List<NodeProto> requantisers(NodeProto conv, Map<String, NodeProto> producer,
            Map<String, List<NodeProto>> consumers, Map<String, TensorProto> init) {
        if (!isOp(producer.get(conv.getInput(0)), "DequantizeLinear") || !isOp(producer.get(conv.getInput(1)), "DequantizeLinear")
                || conv.getInputCount() < 3 || !init.containsKey(conv.getInput(2))) {
            return null;
        }
        List<NodeProto> next = consumers.getOrDefault(conv.getOutput(0), List.of());
        if (next.size() != 1 || !next.get(0).getOpType().equals("Relu")) {
            return null;
        }
        List<NodeProto> qs = consumers.getOrDefault(next.get(0).getOutput(0), List.of());
        if (qs.isEmpty() || commonScale(qs, init) == null) {
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
    private static Float commonScale(List<NodeProto> qs, Map<String, TensorProto> init) {
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
    private static String int32Bias(NodeProto conv, Map<String, NodeProto> producer, Map<String, TensorProto> init,
            GraphProto.Builder out) {
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
        String name = conv.getInput(2) + ".int32";
        out.addInitializer(tensor(name, TensorProto.DataType.INT32, q.array(), bias.length));
        out.addInitializer(tensor(name + ".scale", TensorProto.DataType.FLOAT, s.array(), bias.length));
        out.addInitializer(tensor(name + ".zero", TensorProto.DataType.INT32, new byte[4 * bias.length], bias.length));
        out.addNode(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(name + ".dq").addInput(name)
                .addInput(name + ".scale").addInput(name + ".zero").addOutput(name + ".dq")
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)));
        return name + ".dq";
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
