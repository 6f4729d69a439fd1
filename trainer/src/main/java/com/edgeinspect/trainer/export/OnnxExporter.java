package com.edgeinspect.trainer.export;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.Ops;
import com.edgeinspect.trainer.quant.QuantOps;
import com.edgeinspect.trainer.quant.QuantScales;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Detector} as an ONNX graph (opset 17) without Python: the detector's own description is replayed
 * through {@link Ops} that emit nodes, with every BatchNorm folded into its convolution. Input {@code image} has
 * symbolic batch, height and width, so one graph serves crops and full frames.
 */
public final class OnnxExporter {

    public static final int OPSET = 17;

    private OnnxExporter() {}

    /** Exports in inference mode; the model is left in inference mode. */
    public static ModelProto toOnnx(Detector model, Map<String, String> metadata) {
        return toOnnx(model, metadata, null);
    }

    /**
     * @param scales null for a float graph; else the int8 form (QDQ as TensorRT places it): every quantisation point
     *     of {@link QuantScales} passes QuantizeLinear/DequantizeLinear with its scale and zero point 0, and the
     *     weight of every convolution with a quantised input is stored as int8 with one scale per output channel
     *     behind a DequantizeLinear; biases, the other convolutions and all other operations stay float. The model
     *     must be BatchNorm-free (folded first).
     */
    public static ModelProto toOnnx(Detector model, Map<String, String> metadata, QuantScales scales) {
        model.eval();
        GraphProto.Builder g = GraphProto.newBuilder().setName("edgeinspect-detector");
        g.addInput(value(DetectorOutputs.INPUT, "N", 3, "H", "W"));
        NodeOps ops = new NodeOps(g, scales);
        outputs(g, model, model.describe(ops, DetectorOutputs.INPUT));
        return model(g, metadata);
    }

    /**
     * The early-exit form of a float model (see {@link DetectorOutputs}): the first graph runs the stem, the first
     * stage and the gate, and gives the gate's map, its maximum and the first stage's output; the second crops that
     * to the region it is given, widened by the reach of the layers after it ({@link DetectorSpec#reachAfterStage1})
     * so that they compute inside the region exactly what they compute on the whole frame, runs stages 2 and 3, neck
     * and heads there, and cuts the outputs back to the region.
     */
    public static List<ModelProto> stages(Detector model, Gate gate, Map<String, String> metadata) {
        model.eval();
        gate.eval();
        String stage1 = DetectorOutputs.FEATURES.get(0);
        GraphProto.Builder one = GraphProto.newBuilder().setName("edgeinspect-detector-stage-one");
        one.addInput(value(DetectorOutputs.INPUT, "N", 3, "H", "W"));
        NodeOps ops = new NodeOps(one, null);
        String early = model.early(ops, DetectorOutputs.INPUT);
        one.addNode(node("Sigmoid", gate.cells(ops, early), DetectorOutputs.GATE_CELLS));
        one.addNode(node("GlobalMaxPool", DetectorOutputs.GATE_CELLS, DetectorOutputs.GATE));
        one.addNode(node("Identity", early, stage1));
        one.addOutput(value(DetectorOutputs.GATE_CELLS, "N", 1, "h8", "w8"));
        one.addOutput(value(DetectorOutputs.GATE, "N", 1, 1, 1));
        int width = model.spec().widths()[1];
        one.addOutput(value(stage1, "N", width, "h4", "w4"));

        GraphProto.Builder two = GraphProto.newBuilder().setName("edgeinspect-detector-stage-two");
        two.addInput(longValue(DetectorOutputs.REGION, 4));
        two.addInput(value(stage1, "N", width, "h4", "w4"));
        // All in ALIGN-pixel cells, (row, column) pairs; the first stage and the outputs both have 4 cells per one.
        long perCell = DetectorOutputs.ALIGN / DetectorOutputs.STRIDE;
        long context = contextCells(model.spec());
        two.addInitializer(longs("cells", perCell, perCell));
        two.addInitializer(longs("context", context, context));
        two.addInitializer(longs("zero", 0, 0));
        two.addInitializer(longs("axes.hw", 2, 3));
        two.addNode(slice(two, DetectorOutputs.REGION, "region.start", 0, 2, 0));
        two.addNode(slice(two, DetectorOutputs.REGION, "region.end", 2, 4, 0));
        two.addNode(NodeProto.newBuilder().setOpType("Shape").setName("shape").addInput(stage1).addOutput("shape"));
        two.addNode(slice(two, "shape", "shape.hw", 2, 4, 0));
        two.addNode(binary("Div", "shape.hw", "cells", "frame.end"));
        two.addNode(binary("Sub", "region.start", "context", "wide.start.unclipped"));
        two.addNode(binary("Max", "wide.start.unclipped", "zero", "wide.start"));
        two.addNode(binary("Add", "region.end", "context", "wide.end.unclipped"));
        two.addNode(binary("Min", "wide.end.unclipped", "frame.end", "wide.end"));
        two.addNode(binary("Sub", "region.start", "wide.start", "keep.start"));
        two.addNode(binary("Sub", "region.end", "wide.start", "keep.end"));
        String crop = crop(two, stage1, "wide.start", "wide.end");
        NodeOps rest = new NodeOps(two, null);
        Detector.Heads<String> wide = model.heads(rest, model.deeper(rest, crop));
        outputs(two, model, new Detector.Heads<>(crop(two, wide.heatmapLogits(), "keep.start", "keep.end"),
                crop(two, wide.size(), "keep.start", "keep.end"), crop(two, wide.offset(), "keep.start", "keep.end")));
        two.addNode(NodeProto.newBuilder().setOpType("Concat").setName(DetectorOutputs.COMPUTED).addInput("wide.start")
                .addInput("wide.end").addOutput(DetectorOutputs.COMPUTED).addAttribute(AttributeProto.newBuilder()
                        .setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)));
        two.addOutput(longValue(DetectorOutputs.COMPUTED, 4));
        return List.of(model(one, metadata), model(two, metadata));
    }

    /** ALIGN-pixel cells the second graph widens a region by on each side: its layers' reach, rounded up. */
    static long contextCells(DetectorSpec spec) {
        return -Math.floorDiv(-spec.reachAfterStage1(), DetectorOutputs.ALIGN);
    }

    /** {@code x} cut to the cells {@code [start, end)} (ALIGN-pixel cells) of a stride-4 map. */
    private static String crop(GraphProto.Builder g, String x, String start, String end) {
        String out = x + ".crop";
        g.addNode(binary("Mul", start, "cells", out + ".start"));
        g.addNode(binary("Mul", end, "cells", out + ".end"));
        g.addNode(NodeProto.newBuilder().setOpType("Slice").setName(out).addInput(x).addInput(out + ".start")
                .addInput(out + ".end").addInput("axes.hw").addOutput(out).build());
        return out;
    }

    /** {@code out = in[from:to]} along {@code axis}, with constant bounds. */
    private static NodeProto slice(GraphProto.Builder g, String in, String out, long from, long to, long axis) {
        g.addInitializer(longs(out + ".from", from));
        g.addInitializer(longs(out + ".to", to));
        g.addInitializer(longs(out + ".axis", axis));
        return NodeProto.newBuilder().setOpType("Slice").setName(out).addInput(in).addInput(out + ".from")
                .addInput(out + ".to").addInput(out + ".axis").addOutput(out).build();
    }

    private static NodeProto binary(String op, String a, String b, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(out).addInput(a).addInput(b).addOutput(out).build();
    }

    private static void outputs(GraphProto.Builder g, Detector model, Detector.Heads<String> heads) {
        g.addNode(node("Sigmoid", heads.heatmapLogits(), DetectorOutputs.HEATMAP));
        g.addNode(node("Identity", heads.size(), DetectorOutputs.SIZE));
        g.addNode(node("Identity", heads.offset(), DetectorOutputs.OFFSET));
        g.addOutput(value(DetectorOutputs.HEATMAP, "N", model.spec().classes(), "h", "w"));
        g.addOutput(value(DetectorOutputs.SIZE, "N", 2, "h", "w"));
        g.addOutput(value(DetectorOutputs.OFFSET, "N", 2, "h", "w"));
    }

    private static ModelProto model(GraphProto.Builder g, Map<String, String> metadata) {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setProducerName("edgeinspect-trainer")
                .setProducerVersion("0.1").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        metadata.forEach((k, v) -> m.addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(k).setValue(v)));
        return m.build();
    }

    public static void write(ModelProto model, Path file) throws IOException {
        AtomicFiles.write(file, model.toByteArray());
    }

    /** Emits one node per operation; values are named by a counter. */
    private static final class NodeOps implements Ops<String> {
        private final GraphProto.Builder g;
        private final QuantScales scales;
        private int next;
        private int adds;

        NodeOps(GraphProto.Builder g, QuantScales scales) {
            this.g = g;
            this.scales = scales;
        }

        private String fresh(String op) {
            return op.toLowerCase(java.util.Locale.ROOT) + "_" + next++;
        }

        @Override
        public String conv(String x, Conv layer) {
            String out = fresh("Conv");
            FoldedConv f = FoldedConv.of(layer);
            String w = out + ".weight";
            String b = out + ".bias";
            if (scales == null || !scales.inputs().containsKey(layer)) {
                g.addInitializer(floats(w, f.weight(), f.out(), f.in(), f.kernel(), f.kernel()));
            } else {
                x = quantised(x, out + ".input", scales.inputs().get(layer));
                QuantOps.Int8Weights q = QuantOps.int8(layer);
                g.addInitializer(int8(w + ".int8", q.values(), f.out(), f.in(), f.kernel(), f.kernel()));
                g.addInitializer(floats(w + ".scale", q.scales(), f.out()));
                g.addInitializer(int8(w + ".zero", new byte[f.out()], f.out()));
                g.addNode(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(w).addInput(w + ".int8")
                        .addInput(w + ".scale").addInput(w + ".zero").addOutput(w)
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                                .setI(0)));
            }
            g.addInitializer(floats(b, f.bias(), f.out()));
            int p = f.kernel() / 2;
            g.addNode(NodeProto.newBuilder().setOpType("Conv").setName(out).addInput(x).addInput(w).addInput(b)
                    .addOutput(out)
                    .addAttribute(ints("kernel_shape", f.kernel(), f.kernel()))
                    .addAttribute(ints("strides", f.stride(), f.stride()))
                    .addAttribute(ints("pads", p, p, p, p)));
            return scales != null && scales.outputs().containsKey(layer)
                    ? quantised(out, out + ".output", scales.outputs().get(layer)) : out;
        }

        /** x through QuantizeLinear and DequantizeLinear: per tensor, int8, zero point 0. */
        private String quantised(String x, String name, float scale) {
            g.addInitializer(floats(name + ".scale", new float[] {scale}));
            g.addInitializer(int8(name + ".zero", new byte[1]));
            g.addNode(NodeProto.newBuilder().setOpType("QuantizeLinear").setName(name + ".q").addInput(x)
                    .addInput(name + ".scale").addInput(name + ".zero").addOutput(name + ".q"));
            g.addNode(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(name).addInput(name + ".q")
                    .addInput(name + ".scale").addInput(name + ".zero").addOutput(name));
            return name;
        }

        private String unary(String op, String x) {
            String out = fresh(op);
            g.addNode(node(op, x, out));
            return out;
        }

        @Override
        public String relu(String x) {
            return unary("Relu", x);
        }

        @Override
        public String add(String a, String b) {
            String out = fresh("Add");
            if (scales != null) {
                int k = adds++;
                a = quantised(a, out + ".a", scales.add(k, 0));
                b = quantised(b, out + ".b", scales.add(k, 1));
            }
            g.addNode(NodeProto.newBuilder().setOpType("Add").setName(out).addInput(a).addInput(b).addOutput(out));
            return out;
        }

        @Override
        public String upsample2(String x) {
            String out = fresh("Resize");
            String scales = out + ".scales";
            g.addInitializer(floats(scales, new float[] {1, 1, 2, 2}, 4));
            // asymmetric + floor is libtorch's nearest: source index = floor(destination index / 2).
            g.addNode(NodeProto.newBuilder().setOpType("Resize").setName(out).addInput(x).addInput("")
                    .addInput(scales).addOutput(out)
                    .addAttribute(string("mode", "nearest"))
                    .addAttribute(string("coordinate_transformation_mode", "asymmetric"))
                    .addAttribute(string("nearest_mode", "floor")));
            return out;
        }

        @Override
        public String sigmoid(String x) {
            return unary("Sigmoid", x);
        }

        @Override
        public void tap(String name, String x) {
            // Feature taps matter to training only.
        }
    }

    private static NodeProto node(String op, String in, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(out).addInput(in).addOutput(out).build();
    }

    private static TensorProto floats(String name, float[] data, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** A one-dimensional int64 constant. */
    private static TensorProto longs(String name, long... data) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(data);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64.getNumber())
                .setRawData(ByteString.copyFrom(buf.array())).addDims(data.length).build();
    }

    private static TensorProto int8(String name, byte[] data, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT8.getNumber())
                .setRawData(ByteString.copyFrom(data));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static AttributeProto string(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /** A one-dimensional int64 tensor value of {@code length} elements. */
    private static ValueInfoProto longValue(String name, int length) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64.getNumber()).setShape(
                        TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(length)))))
                .build();
    }

    /** A float tensor value with fixed or symbolic (String) dimensions. */
    private static ValueInfoProto value(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer i) {
                dim.setDimValue(i);
            } else {
                dim.setDimParam((String) d);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }
}
