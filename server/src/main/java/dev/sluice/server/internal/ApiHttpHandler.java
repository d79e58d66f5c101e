package dev.sluice.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The last handler of every HTTP/1.1 connection and every HTTP/2 stream: turns an aggregated request into a
 * {@link ApiDispatcher.Call} and writes the answer.
 *
 * <p>Ordering: reading is paused from a request until its response is written, and each response waits for the
 * previous one, so HTTP/1.1 responses go out in request order even though operations complete on other threads
 * (HTTP/2 streams are separate channels and run concurrently). Writes from other threads are safe: Netty hands them to the channel's event loop.
 */
final class ApiHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHttpHandler.class);

    private final ApiDispatcher dispatcher;
    private final boolean http2;
    /** Completes when the last response so far was written; touched on the channel's event loop only. */
    private CompletableFuture<Void> previousResponse = CompletableFuture.completedFuture(null);

    ApiHttpHandler(ApiDispatcher dispatcher, boolean http2) {
        this.dispatcher = dispatcher;
        this.http2 = http2;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        RequestEvent event = new RequestEvent();
        event.begin();
        long decoded = System.nanoTime();
        String target = request.headers().get("X-Amz-Target");
        HttpMethod method = request.method();
        String uri = request.uri();
        boolean keepAlive = http2 || HttpUtil.isKeepAlive(request);
        CompletableFuture<Object> result;
        if (!request.decoderResult().isSuccess()) {
            result = CompletableFuture.completedFuture(plain(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request"));
            keepAlive = false;
        } else if (request.method().equals(HttpMethod.GET)
                && (request.uri().equals("/") || request.uri().equals("/health"))) {
            result = CompletableFuture.completedFuture(plain(HttpResponseStatus.OK, "{\"status\":\"ok\"}"));
        } else if (!request.method().equals(HttpMethod.POST)) {
            result = CompletableFuture.completedFuture(plain(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "only POST / is served"));
        } else {
            // The body is read in place on a worker (or here, for a small put): held here (the request itself is released when this method
            // returns) until the response future completes, which is after the worker has read it.
            ByteBuf body = request.content().retain();
            result = dispatcher.dispatch(new ApiDispatcher.Call(target,
                    request.headers().get(HttpHeaderNames.CONTENT_TYPE),
                    request.headers().get(HttpHeaderNames.AUTHORIZATION), body,
                    request.method().name(), request.uri(), request.headers()::getAll), ctx.executor());
            result.whenComplete((ignored, failure) -> body.release());
        }
        // Requests already decoded from the same read may follow before reading pauses: each response waits for
        // the previous one, so a pipelining HTTP/1.1 client gets them in request order.
        CompletableFuture<Void> turn = previousResponse;
        CompletableFuture<Void> written = new CompletableFuture<>();
        previousResponse = written;
        ctx.channel().config().setAutoRead(false);
        ConnectionGuard guard = ConnectionGuard.of(ctx.channel());
        if (guard != null) {
            guard.requestDispatched();
            written.whenComplete((ignored, failure) -> guard.responseFinished());
            if (http2) {
                // A stream reset by the client ends its request too (an event stream is cancelled, not finished).
                ctx.channel().closeFuture().addListener(f -> written.complete(null));
            }
        }
        boolean keep = keepAlive;
        result.thenCombine(turn, (value, ignored) -> value).whenComplete((value, error) -> {
            event.untilReady = System.nanoTime() - decoded;
            if (value instanceof EventStreamResponse events) {
                new EventStreamWriter(ctx, events, () -> {
                    written.complete(null);
                    resume(ctx);
                }).start();
                return;
            }
            FullHttpResponse response = value instanceof FullHttpResponse http ? http
                    : toHttp(value instanceof ApiResponse r ? r
                            : ApiResponse.error(WireFormat.JSON, ErrorTranslation.translate(error)));
            if (event.isEnabled()) {
                event.target = target != null ? target : method + " " + uri;
                event.status = response.status().code();
            }
            write(ctx, response, keep, written, event);
        });
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive,
                       CompletableFuture<Void> written, RequestEvent event) {
        response.headers().set("x-amzn-RequestId", requestId());
        if (!http2) {
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) future -> {
            event.commit();
            written.complete(null);
            if (!keepAlive || !future.isSuccess()) {
                ctx.close();
            } else {
                resume(ctx);
            }
        });
    }

    /**
     * A random (version 4) UUID for {@code x-amzn-RequestId}. An id names a request in logs and needs no secrecy:
     * {@link UUID#randomUUID()} draws from the JVM's shared {@code SecureRandom}, which every I/O thread would contend
     * for on every response.
     */
    static String requestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }

    private static void resume(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    static FullHttpResponse toHttp(ApiResponse response) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        if (response.errorType() != null) {
            http.headers().set("x-amzn-ErrorType", response.errorType());
        }
        return http;
    }

    private static FullHttpResponse plain(HttpResponseStatus status, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, status.code() == 200 ? "application/json" : "text/plain");
        http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return http;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing {} after {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
