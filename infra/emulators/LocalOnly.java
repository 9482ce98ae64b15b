import java.lang.reflect.Field;
import java.lang.reflect.Method;

// LocalOnly starts DynamoDB Local bound to 127.0.0.1: its own main binds
// every interface and has no flag to change that.
public final class LocalOnly {
    public static void main(String[] args) throws Exception {
        Class<?> runner = Class.forName("com.amazonaws.services.dynamodbv2.local.main.ServerRunner");
        Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
        Field f = proxy.getClass().getDeclaredField("server");
        f.setAccessible(true);
        Object server = f.get(proxy);
        Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
        for (Object c : connectors) {
            Method setHost = c.getClass().getMethod("setHost", String.class);
            setHost.invoke(c, "127.0.0.1");
        }
        proxy.getClass().getMethod("start").invoke(proxy);
    }
}
