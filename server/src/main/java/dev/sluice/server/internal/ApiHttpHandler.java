package dev.sluice.server.internal;

import io.netty.buffer.ByteBufUtil;
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

/**
 * The last handler of every HTTP/1.1 connection and every HTTP/2 stream: turns an aggregated request into a
 * {@link ApiDispatcher.Call} and writes the answer.
 *
 * <p>Ordering: reading is paused from a request until its response is written, so HTTP/1.1 responses go out in
 * request order even though operations complete on other threads (HTTP/2 streams are separate channels and run
 * concurrently). Writes from other threads are safe: Netty hands them to the channel's event loop.
 */
final class ApiHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHttpHandler.class);

    private final ApiDispatcher dispatcher;
    private final boolean http2;

    ApiHttpHandler(ApiDispatcher dispatcher, boolean http2) {
        this.dispatcher = dispatcher;
        this.http2 = http2;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = http2 || HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, plain(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request"), false);
            return;
        }
        if (request.method().equals(HttpMethod.GET) && (request.uri().equals("/") || request.uri().equals("/health"))) {
            write(ctx, plain(HttpResponseStatus.OK, "{\"status\":\"ok\"}"), keepAlive);
            return;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            write(ctx, plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "only POST / is served"), keepAlive);
            return;
        }
        ApiDispatcher.Call call = new ApiDispatcher.Call(request.headers().get("X-Amz-Target"),
                request.headers().get(HttpHeaderNames.CONTENT_TYPE), request.headers().get(HttpHeaderNames.AUTHORIZATION),
                ByteBufUtil.getBytes(request.content()));
        ctx.channel().config().setAutoRead(false);
        dispatcher.dispatch(call).whenComplete((result, error) -> {
            if (result instanceof EventStreamResponse events) {
                new EventStreamWriter(ctx, events, () -> resume(ctx)).start();
                return;
            }
            ApiResponse response = result instanceof ApiResponse r ? r
                    : ApiResponse.error(WireFormat.JSON, ErrorTranslation.translate(error));
            write(ctx, toHttp(response), keepAlive);
        });
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        response.headers().set("x-amzn-RequestId", UUID.randomUUID().toString());
        if (!http2) {
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) future -> {
            if (!keepAlive || !future.isSuccess()) {
                ctx.close();
            } else {
                resume(ctx);
            }
        });
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
