package io.prefstream.schemas.registry;

/** The registry contract against {@link SchemaRegistryServer}. */
class ServerRegistryContractTest extends RegistryContractTest {
    private SchemaRegistryServer server;

    @Override
    protected String startRegistry() {
        server = SchemaRegistryServer.inMemory().start(0);
        return server.url();
    }

    @Override
    protected void stopRegistry() {
        server.close();
    }
}
