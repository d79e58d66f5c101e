package dev.sluice.server.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.Map;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes an {@link EventStreamResponse} to one HTTP stream: response headers, the {@code initial-response}
 * event, one frame per published item, and at the end either nothing more (completion) or an exception event.
 *
 * <p>Flow control: one item is requested at a time, the next only once the previous frame was written (flushed
 * into the HTTP/2 stream's flow-control window), so the publisher never runs ahead of the client. Closing the
 * stream or connection cancels the subscription.
 */
final class EventStreamWriter implements Flow.Subscriber<Map<String, Object>> {

    static final String CONTENT_TYPE = "application/vnd.amazon.eventstream";

    private final ChannelHandlerContext ctx;
    private final EventStreamResponse response;
    private final Runnable onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Flow.Subscription subscription;

    EventStreamWriter(ChannelHandlerContext ctx, EventStreamResponse response, Runnable onEnd) {
        this.ctx = ctx;
        this.response = response;
        this.onEnd = onEnd;
    }

    void start() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        // HTTP/1.1 needs chunked framing for an open-ended body; HTTP/2 drops this connection-specific header.
        io.netty.handler.codec.http.HttpUtil.setTransferEncodingChunked(head, true);
        head.headers().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        ctx.write(head);
        byte[] initial = EventStreamFrames.event("initial-response", response.format().contentType(),
                response.format().write(Map.of()));
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(initial)));
        ctx.channel().closeFuture().addListener(f -> cancel());
        response.events().subscribe(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (ended.get() || !ctx.channel().isActive()) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(Map<String, Object> item) {
        byte[] frame = EventStreamFrames.event(response.eventType(), response.format().contentType(),
                response.format().write(item));
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(frame))).addListener(
                (ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        subscription.request(1);
                    } else {
                        cancel();
                    }
                });
    }

    @Override
    public void onError(Throwable error) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        ApiException api = ErrorTranslation.translate(error);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("message", api.getMessage());
        byte[] frame = EventStreamFrames.exception(api.type(), response.format().contentType(),
                response.format().write(body));
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(frame)));
        finish();
    }

    @Override
    public void onComplete() {
        if (ended.compareAndSet(false, true)) {
            finish();
        }
    }

    private void finish() {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> onEnd.run());
    }

    private void cancel() {
        ended.set(true);
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
