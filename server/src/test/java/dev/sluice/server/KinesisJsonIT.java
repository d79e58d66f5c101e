package dev.sluice.server;

/** {@link KinesisSdkContract} with AWS JSON 1.1 ({@code aws.cborEnabled=false}). */
class KinesisJsonIT extends KinesisSdkContract {
    @Override
    boolean cbor() {
        return false;
    }
}
