using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;

namespace GameLedger.Tests
{
    /// <summary>
    /// A loopback TCP proxy to the service that loses the first answer: on the first connection
    /// it forwards the request, reads the service's whole response, then closes the client's
    /// socket without sending it (the write happened; the client never heard). Later
    /// connections are piped both ways. It records each request head it saw.
    /// </summary>
    sealed class DropProxy
    {
        readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        readonly int upstreamPort;
        public readonly List<string> Heads = new List<string>();
        public string DroppedResponse;
        int connections;

        public DropProxy(int upstreamPort) { this.upstreamPort = upstreamPort; }

        public int Port { get { return ((IPEndPoint)listener.LocalEndpoint).Port; } }

        public void Start()
        {
            listener.Start();
            Task.Run(AcceptLoop);
        }

        public void Stop() { listener.Stop(); }

        async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(); }
                catch (Exception) { return; }
                var first = ++connections == 1;
                _ = Task.Run(() => first ? DropAsync(client) : PipeAsync(client));
            }
        }

        async Task DropAsync(TcpClient client)
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                await upstream.ConnectAsync(IPAddress.Loopback, upstreamPort);
                var request = await ReadMessage(client.GetStream());
                lock (Heads) Heads.Add(HeadOf(request));
                await upstream.GetStream().WriteAsync(request, 0, request.Length);
                DroppedResponse = Encoding.UTF8.GetString(await ReadMessage(upstream.GetStream()));
                client.LingerState = new LingerOption(true, 0); // a reset: no answer, ever
            }
        }

        async Task PipeAsync(TcpClient client)
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                await upstream.ConnectAsync(IPAddress.Loopback, upstreamPort);
                var up = upstream.GetStream();
                var down = client.GetStream();
                var toServer = Task.Run(async () =>
                {
                    try
                    {
                        while (true)
                        {
                            var request = await ReadMessage(down);
                            if (request.Length == 0) break;
                            lock (Heads) Heads.Add(HeadOf(request));
                            await up.WriteAsync(request, 0, request.Length);
                        }
                    }
                    catch (Exception) { }
                    upstream.Client.Shutdown(SocketShutdown.Send);
                });
                try { await up.CopyToAsync(down); } catch (Exception) { }
                await toServer;
            }
        }

        static string HeadOf(byte[] message)
        {
            var text = Encoding.UTF8.GetString(message);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            return end < 0 ? text : text.Substring(0, end);
        }

        /// <summary>One HTTP message (head and Content-Length body); empty at end of stream.</summary>
        static async Task<byte[]> ReadMessage(Stream stream)
        {
            var buffer = new MemoryStream();
            var one = new byte[1];
            while (!EndsWithBlankLine(buffer))
            {
                if (await stream.ReadAsync(one, 0, 1) == 0)
                {
                    if (buffer.Length == 0) return new byte[0];
                    throw new IOException("closed inside a message head");
                }
                buffer.WriteByte(one[0]);
            }
            var head = Encoding.ASCII.GetString(buffer.ToArray());
            var length = 0;
            foreach (var line in head.Split(new[] { "\r\n" }, StringSplitOptions.None))
                if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                    length = int.Parse(line.Substring(15).Trim());
            var body = new byte[length];
            for (var read = 0; read < length;)
            {
                var n = await stream.ReadAsync(body, read, length - read);
                if (n == 0) throw new IOException("closed inside a body");
                read += n;
            }
            buffer.Write(body, 0, length);
            return buffer.ToArray();
        }

        static bool EndsWithBlankLine(MemoryStream s)
        {
            if (s.Length < 4) return false;
            var b = s.GetBuffer();
            var n = (int)s.Length;
            return b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
        }
    }
}
