// A grpc-js server of the test fixture's lbtest.Echo service (Unary only), plain HTTP/2 on the port given.
// grpc-js is a dev dependency of @lb/proxy, so it is loaded from there.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../packages/proxy/package.json', import.meta.url));
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const proto = fileURLToPath(new URL('../../packages/proxy/test/fixtures/grpc/echo.proto', import.meta.url));
const { lbtest } = grpc.loadPackageDefinition(protoLoader.loadSync(proto, { defaults: true }));
const server = new grpc.Server();
server.addService(lbtest.Echo.service, {
  Unary: (call, reply) => reply(null, { text: call.request.text, backend: process.argv[2] }),
});
server.bindAsync(`127.0.0.1:${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
  process.send?.('ready');
});
