package io.prefstream.schemas.registry;

/** The registry contract against an independent Confluent API stub. */
class StubRegistryContractTest extends RegistryContractTest {
    private ConfluentApiStub stub;

    @Override
    protected String startRegistry() throws Exception {
        stub = new ConfluentApiStub();
        return stub.url();
    }

    @Override
    protected void stopRegistry() {
        stub.close();
    }
}
