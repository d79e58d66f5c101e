package dev.sluice.server.internal;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Aggregates a request body up to the server's limit and answers a larger one with an AWS-shaped 413 instead of
 * Netty's bare one. A declared {@code Content-Length} over the limit is refused before any body byte is read; a
 * chunked body is refused as soon as it crosses the limit. The connection (HTTP/1.1) or stream (HTTP/2) is then
 * closed, since the rest of the body is never read. Each request head it sees is reported to the connection's
 * {@link ConnectionGuard} (the header timeout is met).
 */
final class LimitedAggregator extends HttpObjectAggregator {

    /** How long an oversized request's connection may keep sending after its 413 before it is closed. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private final int maxBytes;

    LimitedAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
        if (msg instanceof HttpRequest) {
            ConnectionGuard guard = ConnectionGuard.of(ctx.channel());
            if (guard != null) {
                guard.headReceived();
            }
        }
        super.decode(ctx, msg, out);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest request)) {
            ctx.close();
            return;
        }
        WireFormat format;
        try {
            format = WireFormat.fromContentType(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
        } catch (ApiException e) {
            format = WireFormat.JSON;
        }
        ApiException error = new ApiException(413, "ValidationException", "request body exceeds this server's limit"
                + " of " + maxBytes + " bytes (declared " + request.headers().get(HttpHeaderNames.CONTENT_LENGTH, "?")
                + ")");
        FullHttpResponse response = ApiHttpHandler.toHttp(ApiResponse.error(format, error));
        response.headers().set(HttpHeaderNames.CONNECTION, "close");
        if (ctx.channel() instanceof SocketChannel socket) {
            // Lingering close: a client still sending the body would get a reset, and lose this answer, if the
            // connection closed now. Half-close instead (the client reads the 413 and then end of stream), keep
            // discarding what it sends (the aggregator drops the rest of an oversized message), and close a little
            // later in any case.
            ctx.writeAndFlush(response).addListener(f -> {
                socket.shutdownOutput();
                ctx.executor().schedule(() -> ctx.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
            });
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
