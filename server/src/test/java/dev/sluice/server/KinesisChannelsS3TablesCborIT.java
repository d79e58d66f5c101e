package dev.sluice.server;

/** {@link KinesisChannelsS3TablesContract} with the SDK's default CBOR encoding. */
class KinesisChannelsS3TablesCborIT extends KinesisChannelsS3TablesContract {
    @Override
    boolean cbor() {
        return true;
    }
}
