package dev.sluice.server.internal;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;

/**
 * Aggregates a request body up to the server's limit and answers a larger one with an AWS-shaped 413 instead of
 * Netty's bare one. A declared {@code Content-Length} over the limit is refused before any body byte is read; a
 * chunked body is refused as soon as it crosses the limit. The connection (HTTP/1.1) or stream (HTTP/2) is then
 * closed, since the rest of the body is never read. Each request head it sees is reported to the connection's
 * {@link ConnectionGuard} (the header timeout is met).
 */
final class LimitedAggregator extends HttpObjectAggregator {

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
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
