using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using UnityEngine.Networking;

namespace GameLedger.Unity
{
    /// <summary>
    /// The SDK's transport over UnityWebRequest (every platform Unity builds for, WebGL
    /// included). Create clients and await their calls on the main thread: UnityWebRequest must
    /// be used there, and the SDK keeps its continuations on Unity's synchronization context.
    /// </summary>
    public sealed class UnityWebRequestTransport : IHttpTransport
    {
        public Task<HttpResponse> SendAsync(HttpRequest request, CancellationToken cancellationToken)
        {
            var www = new UnityWebRequest(request.Url, request.Method);
            www.downloadHandler = new DownloadHandlerBuffer();
            if (request.Body != null) www.uploadHandler = new UploadHandlerRaw(request.Body);
            foreach (var header in request.Headers) www.SetRequestHeader(header.Key, header.Value);
            www.timeout = (int)System.Math.Ceiling(request.Timeout.TotalSeconds);

            var done = new TaskCompletionSource<HttpResponse>();
            var cancel = cancellationToken.Register(() => { www.Abort(); done.TrySetCanceled(); });
            www.SendWebRequest().completed += _ =>
            {
                cancel.Dispose();
                // A status of 0 means no HTTP answer arrived (refused, reset, timed out).
                if (www.responseCode == 0)
                    done.TrySetException(new TransportException(www.error ?? "no response"));
                else
                {
                    var headers = www.GetResponseHeaders() ?? new Dictionary<string, string>();
                    done.TrySetResult(new HttpResponse((int)www.responseCode, headers, www.downloadHandler.data));
                }
                www.Dispose();
            };
            return done.Task;
        }
    }
}
