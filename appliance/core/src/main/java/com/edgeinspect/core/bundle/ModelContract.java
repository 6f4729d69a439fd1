package com.edgeinspect.core.bundle;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import com.edgeinspect.core.detect.DetectorOutputs;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Checks that the graph inside a bundle is what its manifest says and what the appliance can feed: the opset it
 * imports (read from the ONNX file itself), the input's and outputs' names, element types and shapes, the class
 * count, and that every golden case fits the input. A mismatch here would otherwise show up as garbage detections.
 */
public final class ModelContract {

    /** The newest ONNX opset TensorRT 8.5 (JetPack 5.1) parses; the CPU provider reads newer, the box may not. */
    public static final int MAX_OPSET = 17;

    /** TensorProto.DataType.UINT8. */
    private static final int UINT8 = 2;

    private ModelContract() {}

    /**
     * @param tensorrt whether the session runs on TensorRT, which takes only signed int8 quantisation: a graph with
     *     uint8 quantisation (the trainer's CPU form, or an asymmetric one) would fall back to the CPU node by node
     */
    public static void check(Bundle bundle, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs,
            boolean tensorrt) throws BundleException {
        Manifest m = bundle.manifest();
        String where = bundle.toString();
        if (tensorrt && unsignedQuantisation(bundle.model(), where)) {
            throw new BundleException(where + ": the graph is quantised to uint8 (ONNX Runtime's CPU form), which "
                    + "TensorRT cannot run in int8; export the model for TensorRT (trainer export without --target cpu)");
        }
        int opset = opset(bundle.model(), where);
        if (opset != m.model().opset() || opset > MAX_OPSET) {
            throw new BundleException(where + ": the graph imports opset " + opset + ", the manifest says "
                    + m.model().opset() + " (this appliance runs up to " + MAX_OPSET + ")");
        }
        String precision = precision(bundle.model(), where);
        boolean declaredInt8 = m.model().precision().equals("int8");
        if (declaredInt8 != precision.equals("int8")) {
            throw new BundleException(where + ": the manifest says precision " + m.model().precision()
                    + " but the graph is " + (declaredInt8 ? "float (no QuantizeLinear/DequantizeLinear)" : "int8 QDQ")
                    + "; TensorRT would be configured wrongly");
        }
        long[] in = floatTensor(inputs, DetectorOutputs.INPUT, "input", where);
        if (in.length != 4 || in[1] != 3) {
            throw new BundleException(where + ": input " + DetectorOutputs.INPUT + " has shape " + Arrays.toString(in)
                    + ", expected [N, 3, H, W]");
        }
        int classes = m.classes().size();
        for (String o : List.of(DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET)) {
            long[] s = floatTensor(outputs, o, "output", where);
            long channels = o.equals(DetectorOutputs.HEATMAP) ? classes : 2;
            if (s.length != 4 || (s[1] >= 0 && s[1] != channels)) {
                throw new BundleException(where + ": output " + o + " has shape " + Arrays.toString(s) + ", expected [N, "
                        + channels + ", H/" + DetectorOutputs.STRIDE + ", W/" + DetectorOutputs.STRIDE + "]"
                        + (o.equals(DetectorOutputs.HEATMAP) ? " for the manifest's " + classes + " classes" : ""));
            }
        }
        for (int i = 0; i < m.golden().size(); i++) {
            List<Long> g = m.golden().get(i).shape();
            for (int d = 0; d < 4; d++) {
                boolean fits = in[d] < 0 || in[d] == g.get(d);
                if (!fits || (d >= 2 && g.get(d) % DetectorOutputs.ALIGN != 0)) {
                    throw new BundleException(where + ": golden[" + i + "] has shape " + g + ", which the input "
                            + Arrays.toString(in) + " does not take");
                }
            }
        }
    }

    private static long[] floatTensor(Map<String, NodeInfo> nodes, String name, String kind, String where)
            throws BundleException {
        NodeInfo n = nodes.get(name);
        if (n == null || !(n.getInfo() instanceof TensorInfo t)) {
            throw new BundleException(where + ": the graph has no " + kind + " tensor '" + name + "' (it has "
                    + nodes.keySet() + ")");
        }
        if (t.type != OnnxJavaType.FLOAT) {
            throw new BundleException(where + ": " + kind + " " + name + " is " + t.type + ", expected FLOAT");
        }
        return t.getShape();
    }

    /**
     * The default-domain opset an ONNX file imports, read from its protobuf (ModelProto field 8, OperatorSetIdProto
     * domain 1 / version 2) without a protobuf library.
     */
    static int opset(byte[] onnx, String where) throws BundleException {
        try {
            Proto model = new Proto(onnx, 0, onnx.length);
            int found = -1;
            while (model.more()) {
                int key = (int) model.varint();
                if (key >>> 3 == 8 && (key & 7) == 2) {
                    Proto set = model.message();
                    String domain = "";
                    long version = -1;
                    while (set.more()) {
                        int k = (int) set.varint();
                        if (k >>> 3 == 1 && (k & 7) == 2) {
                            domain = set.string();
                        } else if (k >>> 3 == 2 && (k & 7) == 0) {
                            version = set.varint();
                        } else {
                            set.skip(k & 7);
                        }
                    }
                    if (domain.isEmpty() || domain.equals("ai.onnx")) {
                        found = (int) version;
                    }
                } else {
                    model.skip(key & 7);
                }
            }
            if (found < 0) {
                throw new BundleException(where + ": the ONNX graph imports no default-domain opset");
            }
            return found;
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new BundleException(where + ": the model is not a readable ONNX file: " + e.getMessage());
        }
    }

    /**
     * {@code int8} when the graph carries QuantizeLinear/DequantizeLinear nodes (weights and activations quantised
     * as QDQ, which TensorRT and ONNX Runtime run in int8 without a calibration table), else {@code fp32}. Read from
     * GraphProto.node (1) / NodeProto.op_type (4).
     */
    public static String precision(byte[] onnx, String where) throws BundleException {
        return anyInGraph(onnx, where, 1, ModelContract::isQdq) ? "int8" : "fp32";
    }

    /**
     * True when the graph holds a uint8 initializer: a zero point of uint8 quantisation (weights are int8 in both
     * forms). Read from GraphProto.initializer (5) / TensorProto.data_type (2).
     */
    public static boolean unsignedQuantisation(byte[] onnx, String where) throws BundleException {
        return anyInGraph(onnx, where, 5, t -> dataType(t) == UINT8);
    }

    /** True when an entry of the repeated message field {@code field} of ModelProto.graph (7) passes {@code test}. */
    private static boolean anyInGraph(byte[] onnx, String where, int field, Predicate<Proto> test)
            throws BundleException {
        try {
            Proto model = new Proto(onnx, 0, onnx.length);
            while (model.more()) {
                int key = (int) model.varint();
                if (key >>> 3 == 7 && (key & 7) == 2) {
                    Proto graph = model.message();
                    while (graph.more()) {
                        int k = (int) graph.varint();
                        if (k >>> 3 == field && (k & 7) == 2) {
                            if (test.test(graph.message())) {
                                return true;
                            }
                        } else {
                            graph.skip(k & 7);
                        }
                    }
                } else {
                    model.skip(key & 7);
                }
            }
            return false;
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new BundleException(where + ": the model is not a readable ONNX file: " + e.getMessage());
        }
    }

    private static long dataType(Proto tensor) {
        while (tensor.more()) {
            int k = (int) tensor.varint();
            if (k >>> 3 == 2 && (k & 7) == 0) {
                return tensor.varint();
            }
            tensor.skip(k & 7);
        }
        return -1;
    }

    private static boolean isQdq(Proto node) {
        while (node.more()) {
            int k = (int) node.varint();
            if (k >>> 3 == 4 && (k & 7) == 2) {
                String op = node.string();
                return op.equals("QuantizeLinear") || op.equals("DequantizeLinear");
            }
            node.skip(k & 7);
        }
        return false;
    }

    /** A read cursor over one protobuf message. */
    private static final class Proto {
        private final byte[] b;
        private int pos;
        private final int end;

        Proto(byte[] b, int from, int to) {
            this.b = b;
            this.pos = from;
            this.end = to;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = at(pos++);
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long at " + pos);
        }

        Proto message() {
            int len = length();
            Proto p = new Proto(b, pos, pos + len);
            pos += len;
            return p;
        }

        String string() {
            int len = length();
            String s = new String(b, pos, len, java.nio.charset.StandardCharsets.UTF_8);
            pos += len;
            return s;
        }

        void skip(int wireType) {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> {
                    int len = length(); // before the addition: length() moves pos past the varint
                    pos += len;
                }
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("wire type " + wireType + " at " + pos);
            }
            if (pos > end) {
                throw new IndexOutOfBoundsException("field runs past the message end");
            }
        }

        private int length() {
            long len = varint();
            if (len < 0 || pos + len > end) {
                throw new IndexOutOfBoundsException("length " + len + " runs past the message end");
            }
            return (int) len;
        }

        private byte at(int i) {
            if (i >= end) {
                throw new IndexOutOfBoundsException("message ends inside a varint");
            }
            return b[i];
        }
    }
}
