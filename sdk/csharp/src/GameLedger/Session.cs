using System;

namespace GameLedger
{
    /// <summary>
    /// The tokens of one logged-in account. Refresh tokens rotate: each works once, and the
    /// client swaps in the new pair after every refresh. Subscribe to <see cref="Changed"/> to
    /// persist <see cref="RefreshToken"/> (e.g. in PlayerPrefs), and <see cref="Restore"/> it at
    /// the next start; a refresh token presented twice ends the whole session on the server.
    /// </summary>
    public sealed class Session
    {
        readonly object gate = new object();

        public string AccessToken { get; private set; }
        public string RefreshToken { get; private set; }
        /// <summary>When the access token expires (UTC; DateTime.MaxValue when not known).</summary>
        public DateTime AccessExpiresAtUtc { get; private set; }
        /// <summary>How long the access token was issued for (to refresh before its end).</summary>
        public TimeSpan AccessLifetime { get; private set; }

        /// <summary>Raised after a login, a refresh, a restore or a logout.</summary>
        public event Action<Session> Changed;

        public bool IsLoggedIn { get { return AccessToken != null || RefreshToken != null; } }
        public bool CanRefresh { get { return RefreshToken != null; } }

        /// <summary>Take the tokens of a login or refresh answer.</summary>
        public void Accept(LoginResponse answer, DateTime nowUtc)
        {
            lock (gate)
            {
                AccessToken = answer.Token;
                AccessLifetime = TimeSpan.FromSeconds(answer.ExpiresIn);
                AccessExpiresAtUtc = nowUtc + AccessLifetime;
                if (answer.RefreshToken != null) RefreshToken = answer.RefreshToken;
            }
            Raise();
        }

        /// <summary>Resume from a stored refresh token (the next call refreshes first), and/or
        /// use a known access token (a game server's service token, for instance).</summary>
        public void Restore(string refreshToken, string accessToken = null)
        {
            lock (gate)
            {
                RefreshToken = refreshToken;
                AccessToken = accessToken;
                AccessLifetime = TimeSpan.Zero;
                AccessExpiresAtUtc = accessToken == null ? DateTime.MinValue : DateTime.MaxValue;
            }
            Raise();
        }

        public void Clear()
        {
            lock (gate)
            {
                AccessToken = null;
                RefreshToken = null;
                AccessExpiresAtUtc = DateTime.MinValue;
            }
            Raise();
        }

        /// <summary>True when the access token is missing or close to its end: at most
        /// <paramref name="ahead"/> before it, or half its lifetime for short-lived tokens.</summary>
        public bool NeedsRefresh(DateTime nowUtc, TimeSpan ahead)
        {
            lock (gate)
            {
                if (RefreshToken == null) return false;
                if (AccessToken == null) return true;
                if (AccessExpiresAtUtc == DateTime.MaxValue) return false;
                var half = TimeSpan.FromTicks(AccessLifetime.Ticks / 2);
                var margin = half < ahead ? half : ahead;
                return nowUtc >= AccessExpiresAtUtc - margin;
            }
        }

        void Raise()
        {
            var handler = Changed;
            if (handler != null) handler(this);
        }
    }
}
