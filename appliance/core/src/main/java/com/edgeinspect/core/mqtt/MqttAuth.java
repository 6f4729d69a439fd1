package com.edgeinspect.core.mqtt;

import com.edgeinspect.core.security.Secrets;
import com.edgeinspect.core.security.Tls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/**
 * How an MQTT client (a box, the shipper) proves who it is: a username and password and/or, over {@code ssl://},
 * TLS with the broker's CA and, if the broker asks for one, a client certificate.
 */
public record MqttAuth(String username, byte[] password, SSLSocketFactory tls) {

    public static final MqttAuth NONE = new MqttAuth(null, null, null);

    /**
     * From files: the password from an owner-only one-line file; TLS from PEM files. Any of them may be null.
     */
    public static MqttAuth of(String username, String passwordFile, String caFile, String certFile, String keyFile)
            throws IOException {
        byte[] password = passwordFile == null ? null
                : Secrets.line(Path.of(passwordFile), "MQTT password file").getBytes(StandardCharsets.UTF_8);
        return new MqttAuth(username, password, caFile == null ? null : Tls.socketFactory(caFile, certFile, keyFile));
    }

    public void applyTo(MqttConnectionOptions o) {
        if (username != null) {
            o.setUserName(username);
            o.setPassword(password);
        }
        if (tls != null) {
            o.setSocketFactory(tls);
            o.setHttpsHostnameVerificationEnabled(true);
        }
    }
}
