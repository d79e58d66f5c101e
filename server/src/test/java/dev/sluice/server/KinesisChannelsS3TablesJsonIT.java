package dev.sluice.server;

/** {@link KinesisChannelsS3TablesContract} with the SDK's JSON encoding. */
class KinesisChannelsS3TablesJsonIT extends KinesisChannelsS3TablesContract {
    @Override
    boolean cbor() {
        return false;
    }
}
