from django.shortcuts import render


def crisis(request):
    return render(request, "crisis.html")
