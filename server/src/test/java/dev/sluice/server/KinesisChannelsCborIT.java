package dev.sluice.server;

/** {@link KinesisChannelsContract} with the SDK's default CBOR encoding. */
class KinesisChannelsCborIT extends KinesisChannelsContract {
    @Override
    boolean cbor() {
        return true;
    }
}
