package com.edgeinspect.appliance.bench;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import com.edgeinspect.appliance.source.FfmpegSource;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.PointerPointer;

/**
 * How many frames the H.264 decoder holds back: packets fed before each frame comes out, over a clip's first
 * {@link #FRAMES} frames, with FFmpeg's default threading (what JavaCV asks for) and with the FFmpeg source's. On a
 * live camera each frame held back is a frame interval of latency that frame-to-alert, timed from the decoded frame,
 * does not show. {@code benchmarks/decode.sh} prints the table.
 *
 * <p>Usage: {@code DecoderDelay CLIP}
 */
public final class DecoderDelay {

    private static final int FRAMES = 60;

    private DecoderDelay() {}

    public static void main(String[] args) {
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
        held(args[0], "ffmpeg-default", null);
        held(args[0], "ffmpeg-source", FfmpegSource.THREAD_TYPE);
    }

    /** Prints the most frames the decoder held back, with {@code threadType} set (null: FFmpeg's default). */
    private static void held(String clip, String name, String threadType) {
        AVFormatContext format = new AVFormatContext(null);
        if (avformat_open_input(format, clip, null, null) < 0 || avformat_find_stream_info(format,
                (PointerPointer<?>) null) < 0) {
            throw new IllegalArgumentException("cannot open " + clip);
        }
        int stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
        AVCodec codec = avcodec_find_decoder(format.streams(stream).codecpar().codec_id());
        AVCodecContext c = avcodec_alloc_context3(codec);
        avcodec_parameters_to_context(c, format.streams(stream).codecpar());
        c.thread_count(0); // as JavaCV: FFmpeg picks the count
        AVDictionary options = new AVDictionary(null);
        if (threadType != null) {
            av_dict_set(options, "thread_type", threadType, 0);
        }
        avcodec_open2(c, codec, options);
        AVPacket packet = av_packet_alloc();
        AVFrame frame = av_frame_alloc();
        int fed = 0;
        int out = 0;
        int held = 0;
        while (out < FRAMES && av_read_frame(format, packet) >= 0) {
            if (packet.stream_index() == stream) {
                avcodec_send_packet(c, packet);
                fed++;
                while (avcodec_receive_frame(c, frame) == 0) {
                    out++;
                    held = Math.max(held, fed - out);
                }
            }
            av_packet_unref(packet);
        }
        System.out.printf("RESULT decoder=%s threads=%d thread_type=%s frames=%d held_back=%d%n", name,
                c.thread_count(), c.active_thread_type() == 1 ? "frame" : c.active_thread_type() == 2 ? "slice"
                        : "none", out, held);
        av_frame_free(frame);
        av_packet_free(packet);
        avcodec_free_context(c);
        av_dict_free(options);
        avformat_close_input(format);
    }
}
