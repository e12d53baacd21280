package io.streamcell.io.kafka;

import io.streamcell.testing.JdkTools;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A throw-away certificate authority and a broker certificate it signed, made with the JDK's own
 * {@code keytool} (the same steps an operator follows): PKCS#12 stores under {@code directory}.
 * The broker certificate names 127.0.0.1 and localhost, so clients verify the host name.
 */
public record TestCertificates(
        Path brokerKeystore, Path truststore, String keystorePassword, String truststorePassword) {

    public static TestCertificates create(Path directory, String keystorePassword, String truststorePassword)
            throws IOException, InterruptedException {
        String caPassword = keystorePassword + "-ca";
        Path ca = directory.resolve("ca.p12");
        Path caCert = directory.resolve("ca.crt");
        Path broker = directory.resolve("broker.p12");
        Path request = directory.resolve("broker.csr");
        Path brokerCert = directory.resolve("broker.crt");
        Path truststore = directory.resolve("truststore.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=StreamCell test CA",
                "-ext",
                "bc:c",
                "-storetype",
                "PKCS12",
                "-keystore",
                ca.toString(),
                "-storepass",
                caPassword);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass",
                caPassword,
                "-file",
                caCert.toString());
        keytool(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-storetype",
                "PKCS12",
                "-keystore",
                broker.toString(),
                "-storepass",
                keystorePassword);
        keytool(
                "-certreq",
                "-alias",
                "broker",
                "-keystore",
                broker.toString(),
                "-storepass",
                keystorePassword,
                "-file",
                request.toString());
        keytool(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass",
                caPassword,
                "-infile",
                request.toString(),
                "-outfile",
                brokerCert.toString(),
                "-validity",
                "2",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost");
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caCert.toString(),
                "-keystore",
                broker.toString(),
                "-storepass",
                keystorePassword);
        keytool(
                "-importcert",
                "-alias",
                "broker",
                "-file",
                brokerCert.toString(),
                "-keystore",
                broker.toString(),
                "-storepass",
                keystorePassword);
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caCert.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                truststore.toString(),
                "-storepass",
                truststorePassword);
        return new TestCertificates(broker, truststore, keystorePassword, truststorePassword);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        JdkTools.run("keytool", args);
    }
}
