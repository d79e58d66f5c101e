package dev.sluice.server;

/** {@link KinesisSdkContract} with the SDK's default CBOR encoding. */
class KinesisCborIT extends KinesisSdkContract {
    @Override
    boolean cbor() {
        return true;
    }
}
