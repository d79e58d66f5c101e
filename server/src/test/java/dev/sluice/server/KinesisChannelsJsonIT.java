package dev.sluice.server;

/** {@link KinesisChannelsContract} with the SDK's JSON encoding. */
class KinesisChannelsJsonIT extends KinesisChannelsContract {
    @Override
    boolean cbor() {
        return false;
    }
}
